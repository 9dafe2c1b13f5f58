# String blocks: copy-on-write safety, read-only scalars, UTF-8, numeric flags,
# magic, aliasing.
use strict;
use warnings;
use Test::More;
use B ();
use FindBin;
use lib "$FindBin::Bin/lib";
use AfecTest;
use Algorithm::FEC;

my ($k, $n, $bs) = (3, 5, 70);
my @data = ('1' x 70, '2' x 70, '3' x 70);
my $fec = Algorithm::FEC->new($k, $n, $bs);
$fec->set_encode_blocks([@data]);
my @all = $fec->encode(0 .. $n - 1);

sub is_cow { my $f = B::svref_2object(\$_[0])->FLAGS; defined &B::SVf_IsCOW && ($f & B::SVf_IsCOW()) ? 1 : 0 }

# --- plain copies sharing the buffer
{
    my $c4 = $all[4];
    my @b = ($c4, $all[3], $data[1]);
    my $alias_copy = $b[0];
    my $cow = is_cow($b[0]) && is_cow($alias_copy);
    my @idx = (4, 3, 1);
    $fec->set_decode_blocks(\@b, \@idx);
    $fec->decode;
    is_deeply(\@b, \@data, 'decoded');
    is($alias_copy, $all[4], 'a copy made before decode is unchanged');
    is($c4, $all[4], 'the scalar the block was copied from is unchanged');
    is($all[3], do { my $f = Algorithm::FEC->new($k, $n, $bs); $f->set_encode_blocks([@data]); $f->encode(3) },
       'the other source scalar is unchanged');
    diag('copy-on-write was not in effect here (old perl?)') unless $cow;
}

# --- shared hash key scalars
{
    my %h = ($all[4] => 'four', $all[3] => 'three');
    my ($key4) = grep { $_ eq $all[4] } keys %h;
    my ($key3) = grep { $_ eq $all[3] } keys %h;
    my @b = ($key4, $key3, $data[1]);
    my @idx = (4, 3, 1);
    $fec->set_decode_blocks(\@b, \@idx);
    $fec->decode;
    is_deeply(\@b, \@data, 'decoded into copies of hash keys');
    is_deeply([ sort keys %h ], [ sort @all[3, 4] ], 'the hash keys are unchanged');
    is($h{ $all[4] }, 'four', 'the hash still finds its entries');
    is($key4, $all[4], 'the key scalar itself is unchanged');
}

# --- the same bytes shared by two targets (all-zero data: every block is zero)
{
    my $z = "\0" x $bs;
    my $f = Algorithm::FEC->new($k, $n, $bs);
    my @b = ($z, $z, $z);    # three scalars, possibly one buffer
    my @idx = (3, 4, 1);
    $f->set_decode_blocks(\@b, \@idx);
    ok(!croaks(sub { $f->decode }), 'targets sharing one copy-on-write buffer are not "overlapping"');
    is_deeply(\@b, [$z, $z, $z], 'zeros decode to zeros');
}

# --- equal data blocks share one buffer (copy-on-write), or one scalar twice
{
    my $z = "\0" x $bs;
    my @d = ($z, $z, 'x' x $bs);
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->set_encode_blocks(\@d);
    my @c = $f->encode(0 .. $n - 1);
    is_deeply([ @c[0 .. 2] ], \@d, 'equal data blocks (one shared buffer) encode');
    my $g = Algorithm::FEC->new($k, $n, $bs);
    sub { $g->set_encode_blocks(\@_) }->($z, $z, 'x' x $bs);   # the same scalar twice
    is_deeply([ $g->encode(0 .. $n - 1) ], \@c, 'one scalar given twice as a data block');
    my @b = ($z, $z, $c[3]);                                   # data 0 and 1: equal, shared
    my @i = (0, 1, 3);
    $f->set_decode_blocks(\@b, \@i);
    $f->decode;
    is_deeply(\@b, \@d, 'decode with equal data blocks sharing a buffer');
    is($z, "\0" x $bs, '... the shared buffer is unchanged');
}

# --- read-only scalars
{
    my @b = ($all[4], $all[3], $data[1]);
    Internals::SvREADONLY($b[1], 1);
    my @idx = (4, 3, 1);
    like(croaks(sub { $fec->set_decode_blocks(\@b, \@idx) }), qr/^set_decode_blocks: block #1 is a read-only scalar and decode would write it/,
         'read-only target: croak at set_decode_blocks');
    is_deeply(\@idx, [4, 3, 1], '... nothing reordered');

    # Made read-only between set_decode_blocks and decode: croak, nothing written.
    Internals::SvREADONLY($b[1], 0);
    $fec->set_decode_blocks(\@b, \@idx);      # [4,1,3]: $b[2] holds check block 3
    Internals::SvREADONLY($b[2], 1);
    like(croaks(sub { $fec->decode }), qr/^decode: block #2 is a read-only scalar and would be written/,
         'read-only target at decode: croak');
    is_deeply(\@b, [$all[4], $data[1], $all[3]], '... and nothing is written (not even the writable target)');
    Internals::SvREADONLY($b[2], 0);
    $fec->decode;
    is_deeply(\@b, \@data, 'made writable again: decode works (the setup survived the failed call)');

    # Read-only scalars that are only read are fine.
    my @ro = @data;
    Internals::SvREADONLY($_, 1) for @ro;
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->set_encode_blocks(\@ro);
    is($f->encode(3), $all[3], 'read-only data blocks can be encoded');
    my @b2 = ($all[4], $data[1], $all[3]);
    Internals::SvREADONLY($b2[1], 1);
    my @i2 = (4, 1, 3);
    $f->set_decode_blocks(\@b2, \@i2);
    $f->decode;
    is_deeply(\@b2, \@data, 'a read-only data block in a decode is fine');

    # copy into a read-only scalar; literal constants.
    my $dst = 'x' x $bs;
    Internals::SvREADONLY($dst, 1);
    like(croaks(sub { $f->copy($data[0], $dst) }), qr/^copy: the destination block is a read-only scalar/, 'copy into read-only croaks');
    is($dst, 'x' x $bs, '... unchanged');
    for my $lit ('q' x 70) {    # a for-alias of a temporary: not read-only, fine
        ok(!croaks(sub { $f->copy($data[0], $lit) }), 'copy into a for-alias of a temporary');
    }
    like(croaks(sub { $f->copy($data[0], "literal string that is seventy bytes long.............................") }),
         qr/read-only/, 'copy into a literal croaks');
}

# --- UTF-8 flagged strings
{
    my @u = @data;
    utf8::upgrade($_) for @u;
    $u[0] = "\x{e9}" x 70;    # é: one character, two bytes in UTF-8
    utf8::upgrade($u[0]);
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->set_encode_blocks(\@u);
    my @b = map { my $x = $_; utf8::downgrade($x); $x } @u;
    my $g = Algorithm::FEC->new($k, $n, $bs);
    $g->set_encode_blocks(\@b);
    is($f->encode(3), $g->encode(3), 'UTF-8 flagged data blocks are used as their characters (bytes < 256)');
    ok(utf8::is_utf8($u[0]), '... the caller\'s string keeps its flag (downgraded in a copy)');
    is(length $f->encode(0), 70, '... block 0 has 70 bytes, not the 140 of its UTF-8 encoding');

    my @wide = @data;
    $wide[1] = "\x{263a}" x 70;
    like(croaks(sub { $f->set_encode_blocks(\@wide) }), qr/block #1 \(a string\) contains characters above 255/, 'wide characters croak');

    # As a decode target: downgraded, then written as bytes.
    my @enc = $g->encode(0 .. $n - 1);
    my @t = @enc[4, 3, 1];
    utf8::upgrade($t[0]);
    my @idx = (4, 3, 1);
    $g->set_decode_blocks(\@t, \@idx);
    $g->decode;
    is_deeply(\@t, \@b, 'UTF-8 flagged target: decoded bytes');
    ok(!utf8::is_utf8($t[0]), '... and it is a byte string now');

    my @t2 = @enc[4, 3, 1];
    my @i2 = (4, 3, 1);
    $g->set_decode_blocks(\@t2, \@i2);
    my $before = $t2[2];
    $t2[0] = "\x{263a}" x 70;
    like(croaks(sub { $g->decode }), qr/^decode: block #0 \(a string\) contains characters above 255/, 'wide target at decode croaks');
    is($t2[2], $before, '... nothing written');
}

# --- numeric caches are dropped with the old value
{
    my @d = ('111', '222', '333');
    my $f = Algorithm::FEC->new(3, 5, 3);
    $f->set_encode_blocks([@d]);
    my @b = ($f->encode(4), '222', $f->encode(3));
    { no warnings; my $x = $b[0] + 0; $x = $b[2] + 0 }    # cache numeric values
    my @idx = (4, 1, 3);
    $f->set_decode_blocks(\@b, \@idx);
    $f->decode;
    is($b[0] + 0, 111, 'numeric value follows the new bytes (block 0)');
    is($b[2] + 0, 333, 'numeric value follows the new bytes (block 2)');
}

# --- magic: a tied scalar as decode target sees FETCH before and STORE after
{
    package Rec;
    sub TIESCALAR { my ($c, $v) = @_; bless { v => $v, stores => [] }, $c }
    sub FETCH { $_[0]{v} }
    sub STORE { push @{ $_[0]{stores} }, $_[1]; $_[0]{v} = $_[1] }
    package main;
    my @b = (undef, $all[3], $data[1]);
    my $obj = tie $b[0], 'Rec', $all[4];
    my @idx = (4, 3, 1);
    $fec->set_decode_blocks(\@b, \@idx);
    $fec->decode;
    is_deeply($obj->{stores}, [ $data[0] ], 'tied target: STORE called once with the decoded block');
    is($b[0], $data[0], 'tied target reads back the decoded block');
}

# --- magic that runs Perl code against the object in the middle of a call
{
    package Evil;
    sub TIESCALAR { my ($c, $v, $code) = @_; bless { v => $v, code => $code }, $c }
    sub FETCH { my $s = shift; $s->{code}->() if $s->{code}; $s->{v} }
    sub STORE { $_[0]{v} = $_[1] }
    package main;
    my @cases = (
        ['FETCH frees the encode blocks', qr/blocks were replaced during the call/, sub {
            my $f = Algorithm::FEC->new($k, $n, $bs);
            my @d = @data;
            tie $d[1], 'Evil', $data[1], sub { $f->set_encode_blocks(undef) };
            $f->set_encode_blocks(\@d);     # FETCH runs here too: frees nothing yet
            $f->set_encode_blocks(\@d);
            $f->encode(3);
        }],
        ['FETCH calls DESTROY', qr/destroyed during the call/, sub {
            my $f = Algorithm::FEC->new($k, $n, $bs);
            my @d = @data;
            my $armed = 0;
            tie $d[1], 'Evil', $data[1], sub { $f->DESTROY if $armed };
            $f->set_encode_blocks(\@d);
            $armed = 1;
            $f->encode(3);
        }],
        ['FETCH drops the last reference to the object', qr/^$/, sub {
            my $f = Algorithm::FEC->new($k, $n, $bs);
            my @d = @data;
            my $armed = 0;
            tie $d[1], 'Evil', $data[1], sub { undef $f if $armed };
            $f->set_encode_blocks(\@d);
            $armed = 1;
            my $r = $f->encode(3);
            die "wrong result\n" unless $r eq $all[3];
        }],
        ['FETCH of a data block rewrites a decode target', qr/^$/, sub {
            my $f = Algorithm::FEC->new($k, $n, $bs);
            my @b = ($all[4], undef, $all[3]);
            tie $b[1], 'Evil', $data[1], sub { $b[0] = "$all[4]" };    # new buffer for the target
            my @i = (4, 1, 3);
            $f->set_decode_blocks(\@b, \@i);
            $f->decode;
            die "wrong result\n" unless $b[0] eq $data[0] && $b[2] eq $data[2];
        }],
        ['FETCH empties the blocks array during set_decode_blocks', qr/^$|./, sub {
            my $f = Algorithm::FEC->new($k, $n, $bs);
            my @b = ($all[4], undef, $all[3]);
            tie $b[1], 'Evil', $data[1], sub { @b = () };
            my @i = (4, 1, 3);
            $f->set_decode_blocks(\@b, \@i);
            $f->decode;
        }],
    );
    for my $c (@cases) {
        my ($name, $re, $code) = @$c;
        my ($status, $err) = in_child($code);
        is($status & 127, 0, "$name: no signal");
        like($err, $re, "$name: " . ($re eq qr/^$/ ? 'works' : $re eq qr/^$|./ ? 'croaks or works' : 'croaks cleanly'));
    }
}

# --- the same scalar twice (aliases): a clear croak from set_decode_blocks, before
# anything is reordered, when decode would write it; fine when both are only read
{
    my $x = $all[4];
    my $y = $data[1];
    my $args;
    my $idx = [4, 3, 1];
    my $res = croaks(sub {
        sub { $args = \@_; $fec->set_decode_blocks($args, $idx) }->($x, $x, $y);
    });
    like($res, qr/set_decode_blocks: blocks #0 and #1 are the same scalar, which decode would write/,
        'one scalar given twice, decode would write it: croak');
    is_deeply($idx, [4, 3, 1], '... the indices are not reordered');
    ok(\$args->[0] == \$x && \$args->[1] == \$x && \$args->[2] == \$y, '... nor the blocks');
    # Data blocks 0 and 1 equal: one scalar may stand for both, as both are only read.
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->set_encode_blocks(['a' x $bs, 'a' x $bs, 'b' x $bs]);
    my $c = $f->encode(3);
    my $a = 'a' x $bs;
    my $blocks = sub { \@_ }->($a, $a, $c);
    $f->set_decode_blocks($blocks, [0, 1, 3]);
    $f->decode;
    is($blocks->[2], 'b' x $bs, 'one scalar as two blocks that are only read: decodes');
}

done_testing;
