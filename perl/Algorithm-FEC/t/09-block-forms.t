# The block forms Algorithm::FEC 1.1 accepted besides a handle and [fh, offset]:
# [fh] (offset 0) and a filehandle given by name, qualified or in the caller's
# package, in every call that takes blocks (encode, decode written through the
# file, copy).
use strict;
use warnings;
no warnings 'once';    # the bareword handles are used by name only
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use AfecTest;
use Algorithm::FEC;

my $dir = tmpdir();
my ($k, $n, $bs) = (3, 6, 512);
my @data = map { gen_block(9, $_, $bs) } 0 .. $k - 1;
my $mem = Algorithm::FEC->new($k, $n, $bs);
$mem->set_encode_blocks([@data]);
my @all = $mem->encode(0 .. $n - 1);

# One file per data block (so [fh] is the block at offset 0), and one holding all.
write_file("$dir/d$_", $data[$_]) for 0 .. $k - 1;
write_file("$dir/all", join '', @data);

sub encodes_all {
    my ($blocks, $name) = @_;
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->set_encode_blocks($blocks);
    is_deeply([ $f->encode(0 .. $n - 1) ], \@all, $name);
}

# --- [fh]: offset 0
{
    my @fh = map { open my $fh, '<:raw', "$dir/d$_" or die; $fh } 0 .. $k - 1;
    encodes_all([ map { [$_] } @fh ], '[fh] is the block at offset 0');
    encodes_all([ map { [$_, undef] } @fh ], '[fh, undef] is the block at offset 0');
    encodes_all([ [$fh[0]], [$fh[1], 0], $fh[2] ], '[fh], [fh, 0] and fh mixed');

    my $dst = 'x' x $bs;
    Algorithm::FEC->new($k, $n, $bs)->copy([$fh[1]], $dst);
    is($dst, $data[1], 'copy from [fh]');

    # decode writes check-block slots given as [fh] through to their files.
    write_file("$dir/c$_", $all[$_]) for 3, 5;
    open my $c3, '+<:raw', "$dir/c3" or die;
    open my $c5, '+<:raw', "$dir/c5" or die;
    my @blocks = ([$c3], $data[1], [$c5]);
    my @idx = (3, 1, 5);
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->set_decode_blocks(\@blocks, \@idx);
    $f->decode;
    close $c3;
    close $c5;
    is_deeply([ sort map { read_file("$dir/c$_") } 3, 5 ], [ sort @data[0, 2] ],
        'decode writes [fh] targets through to the files');
}

# --- handles by name
open(ALL, '<:raw', "$dir/all") or die;
encodes_all([ map { ["main::ALL", $_ * $bs] } 0 .. $k - 1 ], '["main::ALL", offset]');
encodes_all([ map { ["ALL", $_ * $bs] } 0 .. $k - 1 ], '["ALL", offset]: the caller\'s package (main)');
encodes_all([ ["::ALL"], ["ALL", $bs], ["main::ALL", 2 * $bs] ], '"::ALL", without offset: offset 0');

{
    package Other;
    open(OWN, '<:raw', "$dir/all") or die;
    # The name is looked up in the package of the code calling the method.
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->set_encode_blocks([ map { ["OWN", $_ * $bs] } 0 .. $k - 1 ]);
    main::is_deeply([ $f->encode(0 .. $n - 1) ], \@all, '["OWN", offset] from package Other');
    $f->set_encode_blocks([ map { ["main::ALL", $_ * $bs] } 0 .. $k - 1 ]);
    main::is_deeply([ $f->encode(0 .. $n - 1) ], \@all, '["main::ALL", offset] from package Other');
    main::like(AfecTest::croaks(sub { $f->set_encode_blocks([ ["ALL", 0], @data[1, 2] ]) }),
        qr/block #0: there is no filehandle named 'ALL'/, 'an unqualified name is looked up in the caller\'s package');
}
encodes_all([ map { ["Other::OWN", $_ * $bs] } 0 .. $k - 1 ], '["Other::OWN", offset] from main');

{
    # decode and copy through named read-write handles.
    write_file("$dir/named", join '', $all[4], $data[1], $all[3]);
    open(RW, '+<:raw', "$dir/named") or die;
    my @blocks = (["RW", 0], ["main::RW", $bs], ["RW", 2 * $bs]);
    my @idx = (4, 1, 3);
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->set_decode_blocks(\@blocks, \@idx);
    is_deeply(\@idx, [4, 1, 3], 'reordered as for any block');
    $f->decode;
    my $got = read_file("$dir/named");
    is_deeply([ sort map { substr $got, $_ * $bs, $bs } 0, 2 ], [ sort @data[0, 2] ],
        'decode writes named-handle targets through to the file');

    my $dst = 'y' x $bs;
    $f->copy(["RW", $bs], $dst);
    is($dst, $data[1], 'copy from ["RW", offset]');
    $f->copy($all[5], ["RW"]);
    close RW;
    is(substr(read_file("$dir/named"), 0, $bs), $all[5], 'copy to ["RW"]');
}

# --- names that are not open handles
our $scalar_only = 1;
open(CLOSED, '<', "$dir/all") or die;
close CLOSED;
my $f = Algorithm::FEC->new($k, $n, $bs);
for my $case (
    ['main::NoSuch', qr/block #0: there is no filehandle named 'main::NoSuch'/],
    ['scalar_only',  qr/block #0: there is no filehandle named 'scalar_only'/],
    ['',             qr/block #0: there is no filehandle named ''/],
    ['CLOSED',       qr/block #0: the filehandle is not open/],
) {
    my ($name, $re) = @$case;
    like(croaks(sub { $f->set_encode_blocks([ [$name, 0], @data[1, 2] ]) }), $re, "name '$name' croaks");
}
# A string on its own is data, never a name.
$f->set_encode_blocks([ 'ALL' . ("\0" x ($bs - 3)), @data[1, 2] ]);
is(length $f->encode(4), $bs, 'a plain string is a data block, not a handle name');

done_testing;
