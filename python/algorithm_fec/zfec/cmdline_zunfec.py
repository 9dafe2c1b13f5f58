"""zfec's ``zunfec`` command: rebuild a file from share files. ``main()`` reads
``sys.argv`` and returns zfec's return codes."""

from __future__ import print_function

import argparse
import os
import sys

from .. import _native
from . import filefec

__version__ = "1.6.0.0+algorithm_fec"


def main():
    """Run ``zunfec`` on ``sys.argv``. Returns 0 on success; 1 with fewer than two
    share files, or when shares are corrupt, duplicated, of different files, or
    cannot be read; 2 when the output file exists (without --force); 3 when fewer
    than k shares are given. An output file is written under a temporary name and
    renamed at the end (never a partial file); ``-`` writes to standard output."""
    if "-V" in sys.argv or "--version" in sys.argv:
        print("zfec library version: ", __version__)
        print("zunfec command-line tool version: ", __version__)
        return 0

    parser = argparse.ArgumentParser(description="Decode data from share files.")
    parser.add_argument("-o", "--outputfile", required=True, help='file to write the resulting data to, or "-" for stdout', type=str, metavar="OUTF")
    parser.add_argument("sharefiles", nargs="*", help="shares file to read the encoded data from", type=str, metavar="SHAREFILE")
    parser.add_argument("-v", "--verbose", help="print out messages about progress", action="store_true")
    parser.add_argument("-f", "--force", help="overwrite any file which already in place of the output file", action="store_true")
    parser.add_argument("-V", "--version", help="print out version number and exit", action="store_true")
    args = parser.parse_args()

    if len(args.sharefiles) < 2:
        print("At least two sharefiles are required.")
        return 1
    to_stdout = args.outputfile == "-"
    if not to_stdout and not args.force and os.path.lexists(args.outputfile):
        print("There is already a file named %r -- aborting.  Use --force to overwrite." % (args.outputfile,))
        return 2
    # Sorted as zfec does: reproducible, and data shares come first.
    args.sharefiles.sort()
    try:
        if to_stdout:
            out = getattr(sys.stdout, "buffer", sys.stdout)
            _native.decode_paths(args.sharefiles, None, out, True)
            out.flush()
        else:
            _native.decode_paths(args.sharefiles, args.outputfile, None, args.force)
    except filefec.InsufficientShareFilesError as e:
        print(str(e))
        return 3
    except FileExistsError:
        print("There is already a file named %r -- aborting.  Use --force to overwrite." % (args.outputfile,))
        return 2
    except (filefec.CorruptedShareFilesError, OSError) as e:
        print(str(e))
        return 1
    if args.verbose:
        print("Done!")
    return 0


if __name__ == "__main__":
    sys.exit(main())
