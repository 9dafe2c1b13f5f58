"""zfec's ``zfec`` command: encode a file (or ``-`` for standard input) into share
files. ``main()`` reads ``sys.argv`` and returns zfec's return code."""

from __future__ import print_function

import argparse
import sys

from . import filefec

__version__ = "1.6.0.0+algorithm_fec"

DEFAULT_K = 3
DEFAULT_M = 8


def _input(name):
    """The input as zfec 1.6 opens it, with ``argparse.FileType('rb')``: ``-`` is
    whatever ``sys.stdin.buffer`` is now (``sys.stdin`` itself when it has no
    ``buffer``, where zfec fails), anything else a file opened for reading."""
    if name == "-" and not hasattr(sys.stdin, "buffer"):
        return sys.stdin
    return argparse.FileType("rb")(name)


def _size(f):
    """The bytes left in ``f``, or None when it cannot seek (a pipe)."""
    try:
        pos = f.tell()
        end = f.seek(0, 2)
        f.seek(pos)
        return end - pos
    except (OSError, ValueError, AttributeError):
        return None


def main():
    """Run ``zfec`` on ``sys.argv``; returns 0 on success, 1 when the share files
    cannot be written. Bad k or m print zfec's message and exit with 1."""
    if "-V" in sys.argv or "--version" in sys.argv:
        print("zfec library version: ", __version__)
        print("zfec command-line tool version: ", __version__)
        sys.exit(0)

    parser = argparse.ArgumentParser(description="Encode a file into a set of share files, a subset of which can later be used to recover the original file.")
    parser.add_argument("inputfile", help='file to encode or "-" for stdin', type=_input, metavar="INF")
    parser.add_argument("-d", "--output-dir", help='directory in which share file names will be created (default ".")', default=".", metavar="D")
    parser.add_argument("-p", "--prefix", help="prefix for share file names; If omitted, the name of the input file will be used.", metavar="P")
    parser.add_argument("-s", "--suffix", help='suffix for share file names (default ".fec")', default=".fec", metavar="S")
    parser.add_argument("-m", "--totalshares", help="the total number of share files created (default %d)" % DEFAULT_M, default=DEFAULT_M, type=int, metavar="M")
    parser.add_argument("-k", "--requiredshares", help="the number of share files required to reconstruct (default %d)" % DEFAULT_K, default=DEFAULT_K, type=int, metavar="K")
    parser.add_argument("-f", "--force", help="overwrite any file which already in place an output file (share file)", action="store_true")
    parser.add_argument("-v", "--verbose", help="print out messages about progress", action="store_true")
    parser.add_argument("-q", "--quiet", help="quiet progress indications and warnings about silly choices of K and M", action="store_true")
    parser.add_argument("-V", "--version", help="print out version number and exit", action="store_true")
    args = parser.parse_args()

    inf = args.inputfile
    owned = inf is not sys.stdin and inf is not getattr(sys.stdin, "buffer", None)
    try:
        # As zfec 1.6: the prefix defaults to the input's name, and only the literal
        # "<stdin>" (the name of the process's own standard input) becomes "". A
        # ``sys.stdin`` replaced by an opened file names the shares after its path.
        if args.prefix is None:
            args.prefix = getattr(inf, "name", "<stdin>")
            if args.prefix == "<stdin>":
                args.prefix = ""

        if args.verbose and args.quiet:
            print("Please choose only one of --verbose and --quiet.")
            sys.exit(1)
        if args.totalshares > 256 or args.totalshares < 1:
            print("Invalid parameters, totalshares is required to be <= 256 and >= 1\nPlease see the accompanying documentation.")
            sys.exit(1)
        if args.requiredshares > args.totalshares or args.requiredshares < 1:
            print("Invalid parameters, requiredshares is required to be <= totalshares and >= 1\nPlease see the accompanying documentation.")
            sys.exit(1)
        if not args.quiet:
            if args.requiredshares == 1:
                print("warning: silly parameters: requiredshares == 1, which means that every share will be a complete copy of the file.  You could use \"cp\" for the same effect.  But proceeding to do it anyway...")
            if args.requiredshares == args.totalshares:
                print("warning: silly parameters: requiredshares == totalshares, which means that all shares will be required in order to reconstruct the file.  You could use \"split\" for the same effect.  But proceeding to do it anyway...")

        return filefec.encode_to_files(inf, _size(inf), args.output_dir,
                                       args.prefix, args.requiredshares,
                                       args.totalshares, args.suffix,
                                       args.force, args.verbose)
    finally:
        if owned:
            inf.close()


if __name__ == "__main__":
    sys.exit(main())
