package Algorithm::FEC;

use strict;
use warnings;

our $VERSION = '1.2';

require XSLoader;
XSLoader::load('Algorithm::FEC', $VERSION);

# An object owns a C-side session; a new interpreter thread must not share it, so
# threads get no copy of Algorithm::FEC objects (they become undef there).
sub CLONE_SKIP { 1 }

1;
__END__

=head1 NAME

Algorithm::FEC - erasure coding: rebuild k blocks of data from any k of n blocks

=head1 SYNOPSIS

  use Algorithm::FEC;

  # 3 data blocks of 70 bytes, 5 blocks in all: any 3 of the 5 give the data back
  my $fec = new Algorithm::FEC 3, 5, 70;    # or Algorithm::FEC->new(3, 5, 70)

  my @data = ("1" x 70, "2" x 70, "3" x 70);
  $fec->set_encode_blocks(\@data);
  my $check3 = $fec->encode(3);              # "%" x 70
  my @checks = $fec->encode(3, 4);           # several blocks in one pass

  # blocks 0 and 2 are lost; decode from blocks 4, 3 and 1
  my @blocks  = ($checks[1], $check3, $data[1]);
  my @indices = (4, 3, 1);
  $fec->set_decode_blocks(\@blocks, \@indices); # now (4, 1, 3): block 1 at position 1
  $fec->decode;                                # $blocks[$i] is data block $i

=head1 DESCRIPTION

This module turns I<k> blocks of data of the same size into I<n> blocks (I<n> >=
I<k>) such that I<any> I<k> of the I<n> are enough to get the I<k> data blocks back.
The first I<k> of the I<n> blocks are the data blocks themselves (the code is
systematic); blocks I<k> to I<n>-1 are "check" blocks. Typical uses: sending a file
over a lossy channel (send more than I<k> blocks, the receiver stops after any
I<k>), or storing redundancy next to a file so that lost blocks can be rebuilt.

The code is Luigi Rizzo's Vandermonde code, byte for byte: blocks made by this
module decode with CPAN's Algorithm::FEC 1.1 (the XS module this one replaces), with
Rizzo's C library and with zfec (for I<n> <= 255), and the other way round. It is a
drop-in replacement: the same class name, methods, arguments and reordering, and the
same error messages where the old ones were useful. What was unsafe or broken there
(crashes, silent garbage, missing checks) is an error here; see L</DIFFERENCES FROM
ALGORITHM::FEC 1.1>.

Internally this is a thin XS layer over the Rust library C<algorithm-fec>, which does
all the work (including all the checks on indices, sizes and files). Setting up a
code costs O(I<n>), and decoding with I<e> missing data blocks solves only an I<e> x
I<e> system, so large codes (tens of thousands of blocks) are fast.

=head1 METHODS

=head2 new

  $fec = new Algorithm::FEC $data_blocks, $encoded_blocks, $blocksize;
  $fec = Algorithm::FEC->new($data_blocks, $encoded_blocks, $blocksize);

Creates an object for a code with I<k> = C<$data_blocks> data blocks, I<n> =
C<$encoded_blocks> blocks in all, each block C<$blocksize> bytes long. All three
must be integers (C<"12">, C<12> and C<12.0> are fine; C<2.9>, C<"abc">, C<undef> and
references croak): 1 <= I<k> <= I<n> <= 65536 and C<$blocksize> >= 1.

The field is chosen from I<n>, exactly as Algorithm::FEC 1.1 does: GF(2^8) when
I<n> <= 255, GF(2^16) otherwise (from I<n> = 256 on). In GF(2^16) the symbols are
16-bit little-endian words, so C<$blocksize> must then be B<even>; an odd size croaks
here (Algorithm::FEC 1.1 accepted it and left the last byte of every block
undefined).

I<k> = 1 is allowed: every block is then a copy of the single data block (a
repetition code). Algorithm::FEC 1.1 required I<k> >= 2.

Called on an object (C<< $fec->new(...) >>), it makes a new object of the same
class. Subclasses inherit C<new> and get objects blessed into themselves.

=head2 set_encode_blocks

  $fec->set_encode_blocks(\@data_blocks);
  $fec->set_encode_blocks;          # or (undef): forget the blocks

Tells the object which I<k> blocks are the data blocks for L</encode>.
C<\@data_blocks> must be a reference to an array of exactly I<k> blocks; each block
is a string, a filehandle or C<[$filehandle, $offset]> (see L</BLOCKS>).

The blocks are B<not copied>: the object keeps a reference to each element of the
array (the scalar itself), and L</encode> reads them when it runs. So you can set the
blocks once and change the contents of those scalars (or of the files) between calls
to C<encode>. Each string must still be exactly C<$blocksize> bytes long whenever it
is used. Note that C<[$a, $b]> copies C<$a> and C<$b> into a new array; pass a
reference to your own array (C<\@blocks>) if you mean to change the strings later.

Without an argument, or with C<undef>, the object forgets its blocks (and releases
any file mappings); C<encode> croaks until the next C<set_encode_blocks>. A call to
L</set_decode_blocks>, L</decode> or L</copy> also ends the encode setup.

=head2 encode

  $block  = $fec->encode($block_index);
  @blocks = $fec->encode(@block_indices);   # list context

Returns block C<$block_index> (0 <= C<$block_index> < I<n>) of the code as a new
string of C<$blocksize> bytes, computed from the blocks given to
L</set_encode_blocks>. For an index below I<k> this is a copy of that data block.

In list context, any number of indices may be given: all the requested blocks are
computed in one pass over the data blocks (much faster than one call per index when
the blocks are large), and returned in the order asked. In scalar context exactly one
index is allowed.

Croaks unless the object currently holds blocks from C<set_encode_blocks>; in
particular after L</set_decode_blocks> (until C<set_encode_blocks> is called again:
Algorithm::FEC 1.1 silently encoded from the reordered decode blocks), and after
L</decode> or L</copy>.

=head2 encode_into

  my @out = map { "\0" x $blocksize } @block_indices;   # once
  $fec->encode_into(\@block_indices, \@out);          # as often as needed

Computes the same blocks as C<< $fec->encode(@block_indices) >>, in one pass, but
writes them into the caller's strings instead of returning new ones: C<$out[$i]>
is overwritten in place with block C<$block_indices[$i]>. Each output must be a
writable string of exactly C<$blocksize> bytes and a scalar of its own (not one of
the data blocks, not twice in C<@out>); a string sharing its buffer with another
(copy-on-write) is un-shared first. Every argument is checked before anything is
written. This method is not in Algorithm::FEC 1.1.

Use it in loops over large blocks: new strings, as C<encode> returns, cost their
allocation and the operating system's zero-filling of fresh pages on every call
(C<encode(@indices)> at 10+4 with 1 MiB blocks runs at about two thirds of the
speed of the Rust call here, C<encode_into> within a few percent of it; see
F<tools/bench-encode> in the distribution).

=head2 set_decode_blocks

  $fec->set_decode_blocks(\@blocks, \@indices);

Prepares a decode from I<k> blocks: C<\@blocks> is a reference to an array of I<k>
blocks (strings, filehandles or C<[$filehandle, $offset]>, see L</BLOCKS>), and
C<\@indices> a reference to an array of their I<k> block indices: C<$blocks[$i]> is
block C<$indices[$i]> of the code. The indices must be distinct integers in 0 ..
I<n>-1.

B<Both arrays are reordered in place> (the elements themselves are moved, not
copied) so that every data block that is present sits at the position of its index;
see L</REORDERING>. After L</decode>, position I<i> of C<@blocks> holds data block
I<i> for every I<i> < I<k>.

Everything C<decode> needs is checked here, before anything is reordered: the
counts, the indices (range, duplicates), the string sizes, the files (long enough,
and open read-write where decode will write). On error the call croaks and both
arrays are untouched.

=head2 decode

  $fec->decode;

Rebuilds the missing data blocks in place: every position of the array given to
L</set_decode_blocks> (in its reordered order) that holds a check block is
overwritten with the data block of that position. String blocks are modified in
place (see L</COPY-ON-WRITE>); file blocks are written through a shared mapping and
flushed. Positions that already hold their data block are not touched, and the
index array is not updated (its check indices stay where they were).

Croaks unless L</set_decode_blocks> was called before (decode consumes the setup: a
second C<decode> croaks), or when a string block to be written has become read-only,
undefined or of the wrong size in the meantime; nothing is written then.

=head2 shuffle

  $fec->shuffle(\@blocks, \@indices);

Reorders C<@blocks> and C<@indices> exactly as L</set_decode_blocks> would (see
L</REORDERING>), and does nothing else: the blocks may be anything (they are not
looked at), and the object keeps no state. The indices are checked as in
C<set_decode_blocks>; on error nothing is moved.

=head2 copy

  $fec->copy($source_block, $destination_block);

Overwrites the destination block with the source block. Each is a string, a
filehandle or C<[$filehandle, $offset]> (see L</BLOCKS>) of C<$blocksize> bytes; a
destination string is modified in place, a destination file must be open read-write.
This is handy to put a check block into the slot of a lost data block before
decoding (see L</Repairing a damaged file in place>).

As in Algorithm::FEC 1.1, C<copy> ends any encode or decode setup: call
C<set_encode_blocks> or C<set_decode_blocks> again afterwards.

=head1 BLOCKS

Wherever a block is expected, it can be:

=over 4

=item a string

exactly C<$blocksize> bytes long. Strings are bytes: a string with the UTF-8 flag on
is used as the bytes it represents (its characters must all be below 256, else the
call croaks; a string that is written is downgraded, which does not change its
value). A string that will be written must not be read-only.

=item a filehandle

(a glob, a glob reference or an IO::Handle object) of a regular file: the block is
the first C<$blocksize> bytes of the file.

=item C<[$filehandle, $offset]>

the block is the C<$blocksize> bytes of the file starting at byte C<$offset> (any
offset >= 0, no alignment needed). The offset is optional: C<[$filehandle]> (or an
undefined offset) means offset 0. Here, as in Algorithm::FEC 1.1, the filehandle may
also be given by name: C<["main::FH", $offset]>, or C<["FH", $offset]> for a handle
of the calling package (C<STDIN> and the other special names are always C<main>'s).
A name that is no open filehandle croaks. (Only inside the array reference: a string
on its own is always a data block.)

=back

File blocks are mapped into memory (C<mmap>) when the block is set, so blocks of any
size, and files larger than memory, are fine. The file must be a regular file that
is at least C<$offset + $blocksize> bytes long, or the call croaks (Algorithm::FEC
1.1 did not check, and crashed with SIGBUS). Blocks that will be written (decode
targets, copy destinations) need a handle opened read-write (C<< '+<' >>). The
mapping stays valid even if the handle is closed afterwards (the library keeps its own
duplicate of the descriptor, one per file). Descriptor 0 is fine (C<STDIN> reopened on
a file). A file shrunk while it is mapped, by any amount, makes the next call that
reads or writes the cut block croak ("the file changed while it was mapped"); a
decode that croaks so has already overwritten its targets with unspecified bytes (see
the crate's docs/sessions.md, "Files changed while mapped").
Handles without a file descriptor (in-memory handles opened on a scalar reference),
closed handles, pipes, sockets and terminals croak.

Perl's own output buffer of the handle is flushed before the file is mapped; but data
that is written through the mapping is not seen by a handle that has already read (and
buffered) that part of the file: seek (or reopen) before reading it back.

Anything else (numbers, C<undef>, hash or code references, other objects) croaks.

=head1 REORDERING

L</set_decode_blocks> and L</shuffle> put each data block that is present at the
position of its index, moving the elements of both arrays together, by this exact
rule (the one Algorithm::FEC 1.1 uses, so code written for it sees the same order):

  for my $i (0 .. $k - 1) {
      while ($idx[$i] < $k and $idx[$i] != $i) {
          my $j = $idx[$i];
          @idx[$i, $j] = @idx[$j, $i];
          @blk[$i, $j] = @blk[$j, $i];
      }
  }

For example, with I<k> = 3 and I<n> = 5, the indices C<(4, 3, 1)> become C<(4, 1,
3)>: data block 1 moves to position 1, the check blocks 4 and 3 fill the positions
of the missing data blocks 0 and 2, and C<decode> will write data block 0 into the
block that held check block 4, and data block 2 into the one that held check block 3.
More: C<(2, 1, 0)> becomes C<(0, 1, 2)>; C<(0, 2, 3)> becomes C<(0, 3, 2)>; C<(3, 4,
0)> becomes C<(0, 4, 3)>.

Unlike Algorithm::FEC 1.1, every duplicate or out-of-range index is an error, found
before anything is moved.

=head1 COPY-ON-WRITE

Decoding and copying write into your string scalars in place, but only into those
scalars. Perl may share one string buffer between several scalars (copy-on-write:
C<$x = $y> does not copy the bytes at first; hash keys are shared too); before
writing, this module gives the target scalar a private buffer, so no other scalar ever
changes. Magic on the target (tied scalars, ...) is honoured: it is fetched before
and stored after the write. A read-only target croaks before anything is written.

The same goes for strings that are only read: a UTF-8 flagged string is downgraded
in a temporary copy, the caller's scalar is left as it is.

=head1 LIMITS

=over 4

=item * 1 <= I<k> <= I<n> <= 65536; I<n> <= 255 uses GF(2^8), larger I<n> GF(2^16).

=item * C<$blocksize> >= 1, and even when I<n> >= 256.

=item * Block indices are integers 0 <= index < I<n>.

=item * An object is not meant to be used by two threads at once; new threads get no
copy of existing objects.

=item * Memory: C<encode> allocates one block per result; decoding works in place.

=back

=head1 ERRORS

All errors are exceptions (C<croak>), raised before anything is written or
reordered. Among them, with the messages that Algorithm::FEC 1.1 also had:

  the number of data packets must be >= 1
  the number of encoded packets must be >= the number of data packets
  the number of encoded packets must be <= 65536
  set_encode_blocks: ARRAY(0x...) (blocks) must be a reference to an array of size 3
  no blocks specified by a preceding call to set_encode_blocks
  encode: block_index 5 out of range, must be 0 <= block_index < 5
  index array must be set by a prior call to set_decode_blocks
  block #1 (a string) has size 69, not 70

and more: non-integer, negative or too large arguments, C<$blocksize> < 1, an odd
C<$blocksize> in GF(2^16), duplicate indices of any kind, blocks that are neither
strings nor file handles, files that are too short, not regular files, or not
writable where they would be written, read-only or wide-character strings, and
methods called on something that is not an object made by C<new>.

=head1 EXAMPLES

=head2 Check blocks on demand (Freenet style)

A server that splits a file into I<k> blocks can hand out any of up to 65536
different blocks, computing each one only when someone asks for it; a client needs
any I<k> of them, whichever arrive first. The data blocks are regions of the file
itself, so nothing is read into memory until a block is encoded.

=for example freenet

  use strict;
  use warnings;
  use Algorithm::FEC;
  use File::Temp qw(tempfile);
  use List::Util qw(shuffle);

  # A file of 10 blocks of 4096 bytes (the last one padded with zeros).
  my ($k, $n, $bs) = (10, 1000, 4096);        # n >= 256: GF(2^16), even $bs
  my $content = join '', map { chr(($_ * 7) % 251) } 1 .. ($k * $bs - 1000);
  my ($fh, $file) = tempfile(UNLINK => 1);
  binmode $fh;
  print $fh $content, "\0" x ($k * $bs - length $content);
  close $fh;

  # Server: the data blocks are regions of the file.
  open my $in, '<', $file or die "$file: $!";
  my $server = Algorithm::FEC->new($k, $n, $bs);
  $server->set_encode_blocks([ map { [$in, $_ * $bs] } 0 .. $k - 1 ]);
  sub serve { my ($index) = @_; return $server->encode($index) }

  # Client: asks for blocks in random order and keeps the first $k that "arrive".
  my (@blocks, @indices);
  for my $index ((shuffle 0 .. $n - 1)[0 .. $k - 1]) {
      push @blocks, serve($index);
      push @indices, $index;
  }
  my $client = Algorithm::FEC->new($k, $n, $bs);
  $client->set_decode_blocks(\@blocks, \@indices);
  $client->decode;
  my $received = substr join('', @blocks), 0, length $content;
  print $received eq $content ? "ok: file rebuilt\n" : "MISMATCH\n";

=head2 Repairing a damaged file in place

A file of I<k> fixed-size blocks is stored with I<n>-I<k> check blocks in a second
file. When some blocks of the data file are known to be bad (checksums, disk
errors), copy as many check blocks into their places and decode: the data file is
repaired in place, through the mapping, without reading it into memory.

=for example repair

  use strict;
  use warnings;
  use Algorithm::FEC;
  use File::Temp qw(tempdir);

  my ($k, $n, $bs) = (8, 12, 1000);
  my $dir = tempdir(CLEANUP => 1);
  my $original = join '', map { chr(($_ * 131 + int($_ / 7)) % 256) } 1 .. $k * $bs;

  sub write_file { my ($f, $bytes) = @_; open my $fh, '>:raw', $f or die $!; print $fh $bytes; close $fh }
  sub read_file  { my ($f) = @_; open my $fh, '<:raw', $f or die $!; local $/; return scalar <$fh> }

  # Make the check file: blocks k .. n-1, one after the other.
  write_file("$dir/data", $original);
  my $fec = Algorithm::FEC->new($k, $n, $bs);
  open my $data, '+<:raw', "$dir/data" or die $!;
  $fec->set_encode_blocks([ map { [$data, $_ * $bs] } 0 .. $k - 1 ]);
  write_file("$dir/check", join '', $fec->encode($k .. $n - 1));

  # Damage: blocks 2, 5 and 6 of the data file are destroyed.
  my @bad = (2, 5, 6);
  seek $data, $_ * $bs, 0 and print $data "\xFF" x $bs for @bad;
  close $data;

  # Repair: put check blocks where the bad blocks are, then decode in place.
  open $data, '+<:raw', "$dir/data" or die $!;
  open my $check, '<:raw', "$dir/check" or die $!;
  my @indices = 0 .. $k - 1;
  my $c = 0;
  for my $b (@bad) {
      $fec->copy([$check, $c * $bs], [$data, $b * $bs]);
      $indices[$b] = $k + $c;                 # position $b now holds check block $k+$c
      $c++;
  }
  my @blocks = map { [$data, $_ * $bs] } 0 .. $k - 1;
  $fec->set_decode_blocks(\@blocks, \@indices);
  $fec->decode;
  close $data;

  print read_file("$dir/data") eq $original ? "ok: file repaired\n" : "STILL DAMAGED\n";

=head1 DIFFERENCES FROM ALGORITHM::FEC 1.1

=over 4

=item * Errors instead of crashes or garbage: C<$blocksize> 0, fake objects, files
shorter than the block (SIGBUS before), duplicate check indices (decoded garbage
before), duplicate data indices (partly reordered arrays before), out-of-range
indices (a garbage value in the message before).

=item * Arguments must be integers: C<2.9>, C<"abc"> and 2**32+5 are errors instead
of 2, 0 and 5.

=item * I<k> = 1 and I<n> = 65536 are allowed; an odd C<$blocksize> with I<n> >= 256
is an error (before: the last byte of every block was undefined).

=item * C<set_encode_blocks> with no argument frees the blocks (as the old POD said;
the old code croaked).

=item * C<encode> after C<set_decode_blocks> croaks instead of encoding from the
decode blocks.

=item * Strings are bytes: UTF-8 flagged strings are downgraded instead of being used
as their internal encoding; read-only strings are never written.

=item * Descriptor 0 is a valid block handle; in-memory handles, pipes and other
non-files croak with a clear message.

=item * String sizes are checked when blocks are set as well as when they are used.

=item * Objects are blessed into the class C<new> was called on (subclasses work).

=item * New: C<encode> in list context takes several indices (one pass), and
L</encode_into> writes the results into the caller's strings.

=back

=head1 SEE ALSO

L<http://info.iet.unipi.it/~luigi/fec.html> (Luigi Rizzo's code), zfec, and the
C<algorithm-fec> Rust crate this module is built on (its C<README.fec> describes the
code in detail).

=head1 LICENSE

MIT. This is an independent implementation; no code of Algorithm::FEC 1.1 or of
Rizzo's library is included.

=cut
