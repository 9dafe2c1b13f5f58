# Every croak of new, the object checks, and the state errors; the cases that
# crashed the original run in a child, which must exit normally.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use AfecTest;
use Algorithm::FEC;
use Tie::Array;    # Tie::StdArray

# --- new
my @new = (
    [[1, 1, 1], undef, 'k=1 n=1'],
    [[2, 3, 1], undef, 'small'],
    [[3, 65536, 2], undef, 'n = 65536'],
    [['3', '5', '70'], undef, 'numeric strings'],
    [[3.0, 5.0, 70.0], undef, 'integral floats'],
    [[0, 5, 70], qr/^the number of data packets must be >= 1 at /, 'k = 0'],
    [[-1, 5, 70], qr/^the number of data packets must be >= 1 at /, 'k < 0'],
    [[3, 2, 70], qr/^the number of encoded packets must be >= the number of data packets at /, 'n < k'],
    [[3, 65537, 70], qr/^the number of encoded packets must be <= 65536 at /, 'n = 65537'],
    [[3, 2**32 + 5, 70], qr/^the number of encoded packets must be <= 65536 at /, 'n = 2**32+5 (was 5)'],
    [[3, 2**64, 70], qr/the number of encoded packets '1.84467440737096e\+19' is out of range/, 'n = 2**64'],
    [[3, 5, 0], qr/^blocksize must be >= 1 \(got 0\) at /, 'blocksize 0 (segfault in the original)'],
    [[3, 5, -4], qr/^blocksize must be >= 1 \(got -4\) at /, 'negative blocksize'],
    [[3, 5, 2**62], qr/^blocksize 4611686018427387904 is too large/, 'absurd blocksize'],
    [[2, 3, 9223372036854775807], qr/^blocksize 9223372036854775807 is too large/, 'blocksize 2**63-1'],
    [[3, 300, 7], qr/block size 7 is odd: GF\(2\^16\)/, 'odd blocksize in GF(2^16)'],
    [[2.9, 5, 70], qr/the number of data packets must be an integer, not '2.9'/, 'k = 2.9'],
    [['abc', 5, 70], qr/the number of data packets must be an integer, not 'abc'/, "k = 'abc'"],
    [[3, '5x', 70], qr/the number of encoded packets must be an integer, not '5x'/, "n = '5x'"],
    [[3, 5, undef], qr/blocksize is undefined, it must be an integer/, 'blocksize undef'],
    [[3, 5, [70]], qr/blocksize must be an integer, not 'ARRAY/, 'blocksize a reference'],
    [[3, 5, 'inf'], qr/blocksize 'inf' is out of range/, 'blocksize inf'],
    [[3, 5, 9**9**9], qr/blocksize 'Inf' is out of range/, 'blocksize Inf (a number)'],
    [[3, 5, 'nan'], qr/blocksize must be an integer, not 'nan'/, 'blocksize nan'],
);
for my $c (@new) {
    my ($args, $re, $name) = @$c;
    my ($status, $err) = in_child(sub { Algorithm::FEC->new(@$args) });
    is($status & 127, 0, "new: $name: no signal");
    if ($re) { like($err, $re, "new: $name: croaks") }
    else     { is($err, '', "new: $name: fine") }
}
{
    my ($status, $err) = in_child(sub {
        my $f = Algorithm::FEC->new(3, 5, 0);
        $f->set_encode_blocks(['', '', '']);
        $f->encode(3);
    });
    is($status & 127, 0, 'blocksize 0 then encode: no signal');
    like($err, qr/blocksize must be >= 1/, '... croaks at new');
}
ok(!croaks(sub { Algorithm::FEC->new(3, 5, 70) for 1 .. 1000 }), 'many objects come and go');
is(ref(Algorithm::FEC->new(1, 1, 1)), 'Algorithm::FEC', 'class');

# --- objects: fakes croak, subclasses work
{
    package My::FEC;
    our @ISA = ('Algorithm::FEC');
    sub extra { 'extra' }
}
{
    my $s = My::FEC->new(3, 5, 70);
    isa_ok($s, 'My::FEC', 'subclass->new');
    $s->set_encode_blocks([ '1' x 70, '2' x 70, '3' x 70 ]);
    is($s->encode(3), '%' x 70, 'subclass object encodes');
    is($s->extra, 'extra', 'subclass methods work');
}
my @fakes = (
    ['bless {}', sub { bless {}, 'Algorithm::FEC' }],
    ['bless []', sub { bless [], 'Algorithm::FEC' }],
    ['bless \\1234', sub { my $x = 94_000_000_000_000; bless \$x, 'Algorithm::FEC' }],
    ['blessed copy of a real object\'s referent', sub { my $r = Algorithm::FEC->new(3, 5, 70); my $v = $$r; bless \$v, 'Algorithm::FEC' }],
    ['other class', sub { bless {}, 'Other' }],
    ['class name', sub { 'Algorithm::FEC' }],
    ['undef', sub { undef }],
    ['fake subclass object', sub { bless {}, 'My::FEC' }],
);
for my $fk (@fakes) {
    my ($name, $make) = @$fk;
    for my $call (
        ['encode', sub { Algorithm::FEC::encode($_[0], 0) }],
        ['set_encode_blocks', sub { Algorithm::FEC::set_encode_blocks($_[0], ['1' x 70, '2' x 70, '3' x 70]) }],
        ['set_decode_blocks', sub { Algorithm::FEC::set_decode_blocks($_[0], ['1' x 70, '2' x 70, '3' x 70], [0, 1, 2]) }],
        ['shuffle', sub { Algorithm::FEC::shuffle($_[0], [1, 2, 3], [0, 1, 2]) }],
        ['decode', sub { Algorithm::FEC::decode($_[0]) }],
        ['copy', sub { my $d = 'x' x 70; Algorithm::FEC::copy($_[0], 'y' x 70, $d) }],
    ) {
        my ($m, $code) = @$call;
        my ($status, $err) = in_child(sub { $code->($make->()) });
        is($status & 127, 0, "$name ->$m: no signal");
        like($err, qr/Algorithm::FEC::$m: the invocant is not an Algorithm::FEC object/, "$name ->$m: croaks");
    }
}
{
    # Calling the XSUBs as functions on fakes (the way a crash would come).
    my ($status, $err) = in_child(sub { Algorithm::FEC::decode(bless({}, 'Algorithm::FEC')) });
    is($status & 127, 0, 'Algorithm::FEC::decode(fake): no signal');
    like($err, qr/not an Algorithm::FEC object/, '... croaks');
    ($status, $err) = in_child(sub { my $f = bless {}, 'Algorithm::FEC'; undef $f; 1 });
    is($status, 0, 'destroying a fake object is harmless');
    is($err, '', '... and silent');
}

# --- DESTROY frees; a destroyed object croaks; double DESTROY is harmless
{
    my $f = Algorithm::FEC->new(3, 5, 70);
    $f->set_encode_blocks([ '1' x 70, '2' x 70, '3' x 70 ]);
    $f->DESTROY;
    like(croaks(sub { $f->encode(3) }), qr/not an Algorithm::FEC object made by new \(or it was already destroyed\)/,
         'explicitly destroyed object croaks');
    ok(!croaks(sub { $f->DESTROY }), 'DESTROY twice is harmless');
}
{
    # The object keeps references to the block scalars until it is freed.
    my $d = '1' x 70;
    my @blocks = ($d, '2' x 70, '3' x 70);
    my $f = Algorithm::FEC->new(3, 5, 70);
    $f->set_encode_blocks(\@blocks);
    my $sv = \$blocks[0];
    @blocks = ();
    is($f->encode(0), '1' x 70, 'held scalars outlive the array they came from');
    require B;
    my $rc = B::svref_2object($sv)->REFCNT;
    undef $f;
    is(B::svref_2object($sv)->REFCNT, $rc - 1, 'freeing the object drops its references to the blocks');
}

# --- state errors (the original's messages)
{
    my $f = Algorithm::FEC->new(3, 5, 70);
    like(croaks(sub { $f->decode }), qr/^index array must be set by a prior call to set_decode_blocks at /, 'decode without set_decode_blocks');
    my @d = ('1' x 70, '2' x 70, '3' x 70);
    $f->set_encode_blocks(\@d);
    my @b = ($f->encode(4), $f->encode(3), $d[1]);
    like(croaks(sub { $f->decode }), qr/^index array must be set by a prior call to set_decode_blocks at /, 'decode after set_encode_blocks');
    my @i = (4, 3, 1);
    $f->set_decode_blocks(\@b, \@i);
    $f->decode;
    like(croaks(sub { $f->decode }), qr/^index array must be set by a prior call to set_decode_blocks at /, 'decode twice');
    my @b2 = @b;
    my @i2 = (0, 1, 2);
    $f->set_decode_blocks(\@b2, \@i2);
    $f->copy($d[0], my $tmp = 'x' x 70);
    like(croaks(sub { $f->decode }), qr/^index array must be set by a prior call to set_decode_blocks at /, 'copy discards the decode setup');
}

# --- decode: strings changed between set_decode_blocks and decode
{
    my $f = Algorithm::FEC->new(3, 5, 70);
    my @d = ('1' x 70, '2' x 70, '3' x 70);
    $f->set_encode_blocks([@d]);
    my @c = $f->encode(0 .. 4);
    my @b = @c[4, 3, 1];
    my @i = (4, 3, 1);
    $f->set_decode_blocks(\@b, \@i);     # now [4, 1, 3]
    $b[1] .= 'x';
    like(croaks(sub { $f->decode }), qr/^block #1 \(a string\) has size 71, not 70 at /, 'a data block grew before decode');
    is_deeply([ @b[0, 2] ], [ @c[4, 3] ], '... targets not written');
    chop $b[1];
    $b[2] = undef;
    like(croaks(sub { $f->decode }), qr/^decode: block #2 is no longer a string/, 'a target became undef');
    $b[2] = $c[3];
    $f->decode;
    is_deeply(\@b, \@d, 'and fixed, decode works');
}

# --- wrong block counts and kinds in set_decode_blocks
{
    my $f = Algorithm::FEC->new(3, 5, 70);
    like(croaks(sub { $f->set_decode_blocks(['1' x 70, '2' x 70], [0, 1]) }),
         qr/^set_decode_blocks: ARRAY\(0x[0-9a-f]+\) \(blocks\) must be a reference to an array of size 3/, 'two blocks for k=3');
    like(croaks(sub { $f->set_decode_blocks(['1' x 70, '2' x 69, '3' x 70], [0, 1, 2]) }),
         qr/^block #1 \(a string\) has size 69, not 70 at /, 'short string');
    like(croaks(sub { $f->set_decode_blocks(['1' x 70, \'x', '3' x 70], [0, 1, 2]) }),
         qr/block #1 \('SCALAR\(0x[0-9a-f]+\)'\) is not a string, a filehandle or \[filehandle, offset\]/, 'scalar ref');
    like(croaks(sub { $f->set_decode_blocks(['1' x 70, sub {}, '3' x 70], [0, 1, 2]) }),
         qr/block #1 \('CODE.*is not a string/, 'code ref');
    like(croaks(sub { $f->set_decode_blocks(['1' x 70, 42, '3' x 70], [0, 1, 2]) }),
         qr/block #1 \('42'\) is not a string/, 'a number');
    my @sparse = ('1' x 70);
    $sparse[2] = '3' x 70;
    like(croaks(sub { $f->set_decode_blocks(\@sparse, [0, 1, 2]) }), qr/block #1 (does not exist|is undef)/, 'array with a hole');
    tie my @tied, 'Tie::StdArray';
    @tied = ('1' x 70, '2' x 70, '3' x 70);
    like(croaks(sub { $f->set_decode_blocks(\@tied, [0, 1, 2]) }), qr/tied or magical arrays are not supported/, 'tied array');
}

# --- absurd block sizes: errors, never the end of the process
{
    my ($status, $err) = in_child(sub { Algorithm::FEC->new(2, 3, 2**40)->encode(2) });
    is($status, 0, 'blocksize 2**40, encode without blocks: the child exits normally');
    like($err, qr/^no blocks specified by a preceding call to set_encode_blocks at /,
        '... and encode croaks with the state error');
}
# Blocks of 2**40 bytes, regions of a sparse file: the result cannot be allocated. In
# a process whose address space is limited to the mappings and a margin (prlimit), so
# the allocation fails whatever the system's overcommit policy.
SKIP: {
    skip 'prlimit (util-linux) not found', 3 unless grep { -x "$_/prlimit" } split /:/, $ENV{PATH};
    my $dir = tmpdir();
    my $bs = 2**40;
    open my $fh, '>', "$dir/sparse" or die;
    truncate $fh, 2 * $bs or die "truncate: $!";
    close $fh;
    my $script = <<'PERL';
use strict;
use warnings;
use Algorithm::FEC;
my ($path, $bs) = @ARGV;
open my $fh, '<', $path or die;
my $f = Algorithm::FEC->new(2, 3, $bs);
$f->set_encode_blocks([[$fh, 0], [$fh, $bs]]);
eval { my $x = $f->encode(2); 1 } and print "encode: success\n";
print $@;
eval { my @x = $f->encode(0, 1, 2); 1 } and print "encode list: success\n";
print $@;
print "alive\n";
PERL
    my @cmd = ('prlimit', '--as=' . (2 * $bs + 2**36), $^X, (map { "-I$_" } @INC), '-e', $script,
        "$dir/sparse", $bs);
    open my $p, '-|', @cmd or die "prlimit: $!";
    my $out = do { local $/; <$p> };
    close $p;
    is($?, 0, 'blocksize 2**40 from a file: the child exits normally') or diag $out;
    like($out, qr/^encode: out of memory: cannot allocate a block of 1099511627776 bytes at /m,
        'encode croaks: out of memory');
    like($out, qr/^encode: out of memory: cannot allocate a block of 1099511627776 bytes at .*\nalive$/ms,
        'encode(@indices) croaks: out of memory');
}

done_testing;
