# encode_into: the results of encode(@indices) written into the caller's strings
# in place (reused across calls); every bad argument croaks before anything is
# written.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use AfecTest;
use Algorithm::FEC;

my ($k, $n, $bs) = (4, 9, 1000);
my @data = map { gen_block(21, $_, $bs) } 0 .. $k - 1;
my $fec = Algorithm::FEC->new($k, $n, $bs);
$fec->set_encode_blocks(\@data);
my @all = $fec->encode(0 .. $n - 1);

my @idx = (8, 4, 0, 6, 6);
my @out = map { "\0" x $bs } @idx;
my @addr = map { \$out[$_] } 0 .. $#out;
$fec->encode_into(\@idx, \@out);
is_deeply(\@out, [ @all[@idx] ], 'encode_into = encode(@indices): any order, repeats, data indices');
is_deeply([ map { \$out[$_] } 0 .. $#out ], \@addr, 'the same scalars, written in place');

# Reuse: the next call overwrites the same strings; blocks are read lazily as for encode.
substr($data[2], 0, 1) = 'x';
my @expect = $fec->encode(@idx);
$fec->encode_into(\@idx, \@out);
is_deeply(\@out, \@expect, 'reused strings: the second call sees the changed data');

# GF(2^16), and outputs that are UTF-8 flagged (downgraded, value kept) or copy-on-write.
{
    my @d = map { gen_block(22, $_, 64) } 0 .. 2;
    my $f = Algorithm::FEC->new(3, 300, 64);
    $f->set_encode_blocks(\@d);
    my $shared = 'a' x 64;
    my $cow = $shared;
    my $utf8 = 'b' x 64;
    utf8::upgrade($utf8);
    $f->encode_into([299, 3], [ $shared, $utf8 ]) for 1;    # copies: nothing aliased
    my @o = ($cow, $utf8);
    $f->encode_into([299, 3], \@o);
    is_deeply(\@o, [ $f->encode(299, 3) ], 'GF(2^16); copy-on-write and UTF-8 flagged outputs');
    is($shared, 'a' x 64, 'the string sharing a buffer with an output is unchanged');
}

# Errors: clear croaks, and the outputs are untouched.
my $ro = 'r' x $bs;
Internals::SvREADONLY($ro, 1);
my @bad = (
    ['no arguments', sub { $fec->encode_into }, qr/Usage/],
    ['indices not an array ref', sub { $fec->encode_into(3, [ 'x' x $bs ]) }, qr/Usage: \$fec->encode_into/],
    ['no index', sub { $fec->encode_into([], []) }, qr/encode_into: give at least one block index/],
    ['fewer outputs', sub { $fec->encode_into([5, 6], [ 'x' x $bs ]) }, qr/\(outputs\) must be a reference to an array of size 2/],
    ['index out of range', sub { my @o = ('x' x $bs) x 2; $fec->encode_into([5, 9], \@o) }, qr/encode_into: block_index 9 out of range, must be 0 <= block_index < 9/],
    ['index not an integer', sub { $fec->encode_into(['a'], [ 'x' x $bs ]) }, qr/block_index must be an integer/],
    ['output too short', sub { $fec->encode_into([5], [ 'x' x ($bs - 1) ]) }, qr/output #0 \(a string\) has size 999, not 1000/],
    ['output undef', sub { $fec->encode_into([5], [undef]) }, qr/output #0 is not a string; each output must be a string of blocksize \(1000\) bytes/],
    ['output a reference', sub { $fec->encode_into([5], [ \'x' ]) }, qr/output #0 is not a string/],
    ['output read-only', sub { $fec->encode_into([5], sub { \@_ }->($ro)) }, qr/encode_into: output #0 is a read-only scalar/],
    ['output wide characters', sub { $fec->encode_into([5], [ "\x{100}" x $bs ]) }, qr/output #0 \(a string\) contains characters above 255/],
);
for my $case (@bad) {
    my ($name, $code, $re) = @$case;
    like(croaks($code), $re, "$name croaks");
}
{
    # An output that is one of the data blocks (the same scalar) is refused.
    my $alias = sub { \@_ }->($data[1]);
    my $before = $data[1];
    like(croaks(sub { $fec->encode_into([6], $alias) }), qr/encode_into: output #0 is data block #1 itself/, 'an output aliasing a data block croaks');
    ok($data[1] eq $before, '... and the data block is unchanged');
    my $o = 'o' x $bs;
    like(croaks(sub { $fec->encode_into([5, 6], sub { \@_ }->($o, $o)) }), qr/encode_into: outputs #0 and #1 are the same scalar/, 'one scalar twice croaks');
    is($o, 'o' x $bs, '... and it is unchanged');
}
{
    my @o = ('x' x $bs, 'y' x $bs);
    like(croaks(sub { $fec->encode_into([5, 6], \@o) for 1; $o[1] = 'short'; $fec->encode_into([5, 6], \@o) }),
        qr/output #1/, 'a bad second output croaks');
    ok($o[0] eq $fec->encode(5), '... and the first output keeps what the previous call wrote');
}
{
    my $f = Algorithm::FEC->new($k, $n, $bs);
    my @o = ('x' x $bs);
    like(croaks(sub { $f->encode_into([5], \@o) }), qr/no blocks specified by a preceding call to set_encode_blocks/, 'before set_encode_blocks');
    my @b = @data;
    my @i = (0 .. $k - 1);
    $f->set_decode_blocks(\@b, \@i);
    like(croaks(sub { $f->encode_into([5], \@o) }), qr/holds the blocks of set_decode_blocks/, 'while holding decode blocks');
    is($o[0], 'x' x $bs, 'nothing written');
}

done_testing;
