# encode: copies for data indices, lazy reading of the strings, list context
# (one pass), k = 1, freeing the blocks, state errors.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use AfecTest;
use Algorithm::FEC;

my ($k, $n, $bs) = (3, 5, 70);
my @data = ('1' x 70, '2' x 70, '3' x 70);
my $fec = new Algorithm::FEC $k, $n, $bs;
$fec->set_encode_blocks(\@data);

# i < k: a fresh copy of the data block.
my $c0 = $fec->encode(0);
is($c0, $data[0], 'encode(0) is data block 0');
$c0 = 'x' x 70;
is($data[0], '1' x 70, 'a copy: changing it leaves the data alone');

# Blocks are read when encode runs: later changes to the scalars are seen.
$data[0] = '5' x 70;
is($fec->encode(0), '5' x 70, 'encode sees the changed data block');
my $with5 = $fec->encode(3);
isnt($with5, '%' x 70, '... and so do the check blocks');
substr($data[0], 0, 70) = '1' x 70;
is($fec->encode(3), '%' x 70, 'in-place change of the string is seen too');

# List context: many blocks in one pass, same bytes as one by one, any order,
# repeats allowed.
my @one = map { $fec->encode($_) } 0 .. $n - 1;
my @many = $fec->encode(0 .. $n - 1);
is_deeply(\@many, \@one, 'encode(0..n-1) in list context = one by one');
is_deeply([ $fec->encode(4, 3, 4) ], [ @one[4, 3, 4] ], 'any order, repeats');
is_deeply([ $fec->encode(2) ], [ $one[2] ], 'one index in list context');
like(croaks(sub { my $x = $fec->encode(3, 4) }), qr/several block indices need list context/,
     'several indices in scalar context croak');
like(croaks(sub { my @x = $fec->encode(3, 5) }), qr/^encode: block_index 5 out of range, must be 0 <= block_index < 5/,
     'list context: one bad index croaks');
like(croaks(sub { $fec->encode }), qr/Usage/, 'no index: usage');

# A larger config: one pass equals singles.
{
    my ($k, $n, $bs) = (20, 300, 1000);    # GF(2^16)
    my @d = map { gen_block(77, $_, $bs) } 0 .. $k - 1;
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->set_encode_blocks(\@d);
    my @idx = (0, 19, 20, 150, 299, 21);
    is_deeply([ $f->encode(@idx) ], [ map { $f->encode($_) } @idx ], 'GF(2^16) one pass = singles');
}

# Result strings are plain byte strings of the right length.
{
    my $r = $fec->encode(4);
    is(length $r, 70, 'length');
    ok(!utf8::is_utf8($r), 'not UTF-8 flagged');
}

# Out-of-range indices (the original's message).
like(croaks(sub { $fec->encode(5) }), qr/^encode: block_index 5 out of range, must be 0 <= block_index < 5 at /, 'encode(n)');
like(croaks(sub { $fec->encode(-1) }), qr/^encode: block_index -1 out of range, must be 0 <= block_index < 5 at /, 'encode(-1)');
like(croaks(sub { $fec->encode(2**40) }), qr/^encode: block_index 1099511627776 out of range/, 'encode(2**40)');
like(croaks(sub { $fec->encode(1.5) }), qr/block_index must be an integer, not '1.5'/, 'encode(1.5)');
like(croaks(sub { $fec->encode('abc') }), qr/block_index must be an integer, not 'abc'/, "encode('abc')");
is($fec->encode('4'), $one[4], "encode('4') (a numeric string)");
is($fec->encode(4.0), $one[4], 'encode(4.0)');

# Strings that changed size since set_encode_blocks.
{
    my @d = @data;
    my $f = Algorithm::FEC->new(3, 5, 70);
    $f->set_encode_blocks(\@d);
    $d[1] .= 'x';
    like(croaks(sub { $f->encode(3) }), qr/^block #1 \(a string\) has size 71, not 70 at /, 'a string grew: croak');
    chop $d[1];
    is($f->encode(3), '%' x 70, 'fixed again: fine');
    $d[2] = undef;
    like(croaks(sub { $f->encode(3) }), qr/block #2 is no longer a string/, 'a string became undef: croak');
}

# Wrong sizes and kinds at set time.
{
    my $f = Algorithm::FEC->new(3, 5, 70);
    like(croaks(sub { $f->set_encode_blocks(['1' x 70, '2' x 69, '3' x 70]) }),
         qr/^block #1 \(a string\) has size 69, not 70 at /, 'short string at set time');
    like(croaks(sub { $f->set_encode_blocks(['1' x 70, '2' x 70]) }),
         qr/^set_encode_blocks: ARRAY\(0x[0-9a-f]+\) \(blocks\) must be a reference to an array of size 3 at /,
         'wrong count: the original message');
    like(croaks(sub { $f->set_encode_blocks('1' x 70) }), qr/must be a reference to an array of size 3/, 'not a reference');
    like(croaks(sub { $f->encode(3) }), qr/^no blocks specified by a preceding call to set_encode_blocks at /,
         'failed set_encode_blocks sets nothing');
    my @good = @data;
    $f->set_encode_blocks(\@good);
    ok(croaks(sub { $f->set_encode_blocks(['1' x 70, '2' x 70, undef]) }), 'a failing set_encode_blocks ...');
    is($f->encode(3), '%' x 70, '... keeps the blocks set before');
}

# Freeing: no argument or undef; then encode croaks.
for my $how ('no argument', 'undef') {
    my $f = Algorithm::FEC->new(3, 5, 70);
    $f->set_encode_blocks([@data]);
    is($f->encode(3), '%' x 70, "before freeing ($how)");
    $how eq 'undef' ? $f->set_encode_blocks(undef) : $f->set_encode_blocks;
    like(croaks(sub { $f->encode(3) }), qr/^no blocks specified by a preceding call to set_encode_blocks at /,
         "set_encode_blocks($how) frees: encode croaks");
    $f->set_encode_blocks([@data]);
    is($f->encode(4), 'Y' x 70, 'usable again after a new set_encode_blocks');
}

# encode without set_encode_blocks, after set_decode_blocks, after decode, after copy.
{
    my $f = Algorithm::FEC->new(3, 5, 70);
    like(croaks(sub { $f->encode(0) }), qr/^no blocks specified by a preceding call to set_encode_blocks at /, 'fresh object');
    $f->set_encode_blocks([@data]);
    my @b = ($f->encode(4), $f->encode(3), $data[1]);
    my @i = (4, 3, 1);
    $f->set_decode_blocks(\@b, \@i);
    like(croaks(sub { $f->encode(0) }), qr/^no blocks specified by a preceding call to set_encode_blocks \(the object holds the blocks of set_decode_blocks/,
         'after set_decode_blocks: croak, not a silent encode of the decode blocks');
    $f->decode;
    like(croaks(sub { $f->encode(0) }), qr/^no blocks specified by a preceding call to set_encode_blocks at /, 'after decode');
    $f->set_encode_blocks([@data]);
    my $dst = 'z' x 70;
    $f->copy($data[0], $dst);
    like(croaks(sub { $f->encode(0) }), qr/^no blocks specified by a preceding call to set_encode_blocks at /, 'after copy');
}

# k = 1: a repetition code.
{
    my $f = Algorithm::FEC->new(1, 4, 5);
    $f->set_encode_blocks(['hello']);
    is_deeply([ $f->encode(0 .. 3) ], [ ('hello') x 4 ], 'k=1: every block is the data block');
    my @b = ('hello');
    my @i = (3);
    $f->set_decode_blocks(\@b, \@i);
    $f->decode;
    is($b[0], 'hello', 'k=1: decode from block 3');
}

# k = n: nothing but data blocks.
{
    my $f = Algorithm::FEC->new(2, 2, 3);
    $f->set_encode_blocks(['abc', 'def']);
    is_deeply([ $f->encode(1, 0) ], ['def', 'abc'], 'k=n');
}

# Field boundaries: n = 255 (GF(2^8), odd size fine), n = 256 (GF(2^16)), n = 65536.
{
    my $f = Algorithm::FEC->new(2, 255, 3);
    $f->set_encode_blocks(['abc', 'def']);
    is(length $f->encode(254), 3, 'n=255: GF(2^8), odd block size allowed');
    like(croaks(sub { Algorithm::FEC->new(2, 256, 3) }), qr/odd/, 'n=256: GF(2^16), odd block size croaks');
    my $g = Algorithm::FEC->new(3, 65536, 2);
    $g->set_encode_blocks(['ab', 'cd', 'ef']);
    my @b = $g->encode(65535, 40000, 1);
    my @i = (65535, 40000, 1);
    $g->set_decode_blocks(\@b, \@i);
    $g->decode;
    is_deeply(\@b, ['ab', 'cd', 'ef'], 'n=65536 works (encode and decode with index 65535)');
}

done_testing;
