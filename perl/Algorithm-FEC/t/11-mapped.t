# Files changed under the object while mapped: a shrunk file makes the call croak
# (never a SIGBUS, never success); regions of one file that overlap where one is
# written, or the same region twice, are refused by set_decode_blocks; copy between
# overlapping regions of one file moves as memmove does. Cases that could crash run
# in a child, which must exit normally.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use AfecTest;
use Algorithm::FEC;
use POSIX ();

my $dir = tmpdir();
my ($k, $n, $bs) = (3, 6, 6000);
my @data = map { gen_block(9, $_, $bs) } 0 .. $k - 1;
my $mem = Algorithm::FEC->new($k, $n, $bs);
$mem->set_encode_blocks([@data]);
my @all = $mem->encode(0 .. $n - 1);

# --- a file shrunk after set_encode_blocks / set_decode_blocks
my @shrink = (
    ['by this process', sub { truncate $_[0], $_[1] or die "truncate: $!" }],
    ['by another process', sub { system('truncate', '-s', $_[1], $_[0]) == 0 or die "truncate(1) failed\n" }],
);
for my $case (@shrink) {
    my ($how, $shrink) = @$case;
    my ($status, $err) = in_child(sub {
        write_file("$dir/enc", join '', @data);
        open my $fh, '<:raw', "$dir/enc" or die;
        my $f = Algorithm::FEC->new($k, $n, $bs);
        $f->set_encode_blocks([ map { [$fh, $_ * $bs] } 0 .. $k - 1 ]);
        die "wrong block before shrinking\n" unless $f->encode(4) eq $all[4];
        $shrink->("$dir/enc", $bs + 10);
        $f->encode(4);
    });
    is($status, 0, "encode, file shrunk $how: the child exits normally");
    like($err, qr/^encode: block #1: the file changed while it was mapped/, "... and encode croaks");

    ($status, $err) = in_child(sub {
        my @idx = (4, 1, 5);
        write_file("$dir/dec", join '', @all[@idx]);
        open my $fh, '+<:raw', "$dir/dec" or die;
        my $f = Algorithm::FEC->new($k, $n, $bs);
        $f->set_decode_blocks([ map { [$fh, $_ * $bs] } 0 .. $k - 1 ], \@idx);
        $shrink->("$dir/dec", 0);
        $f->decode;
    });
    is($status, 0, "decode, file shrunk $how: the child exits normally");
    like($err, qr/^decode: block #0: the file changed while it was mapped/, "... and decode croaks");
}

# --- shrinks that stay inside the last page: no SIGBUS (the bytes past the new end
# read as zeros), and the call still croaks. 64 KiB blocks end on a page boundary.
{
    my $sbs = 65536;
    my $page = POSIX::sysconf(POSIX::_SC_PAGESIZE());
    my @sdata = map { gen_block(10, $_, $sbs) } 0 .. $k - 1;
    my $smem = Algorithm::FEC->new($k, $n, $sbs);
    $smem->set_encode_blocks([@sdata]);
    my @sall = $smem->encode(0 .. $n - 1);
    my $len = $k * $sbs;
    for my $cut (1, 100, $page - 1) {
        write_file("$dir/small", join '', @sdata);
        open my $fh, '<:raw', "$dir/small" or die;
        my $f = Algorithm::FEC->new($k, $n, $sbs);
        $f->set_encode_blocks([ map { [$fh, $_ * $sbs] } 0 .. $k - 1 ]);
        truncate "$dir/small", $len - $cut or die "truncate: $!";
        like(croaks(sub { $f->encode(4) }), qr/^encode: block #2: the file changed while it was mapped/,
            "encode, file shrunk by $cut: croaks");
        like(croaks(sub { my @x = $f->encode(0, 5) }), qr/^encode: block #2: the file changed/,
            "encode(\@indices), file shrunk by $cut: croaks");
        close $fh;
        # Decode: the last region written (check 5 -> data 2), or only read (data 2).
        for my $idx ([4, 1, 5], [4, 5, 2]) {
            write_file("$dir/small", join '', @sall[@$idx]);
            open my $fh, '+<:raw', "$dir/small" or die;
            my $f = Algorithm::FEC->new($k, $n, $sbs);
            my @idx = @$idx;
            $f->set_decode_blocks([ map { [$fh, $_ * $sbs] } 0 .. $k - 1 ], \@idx);
            truncate "$dir/small", $len - $cut or die "truncate: $!";
            like(croaks(sub { $f->decode }), qr/^decode: block #2: the file changed while it was mapped/,
                "decode (@$idx), file shrunk by $cut: croaks");
        }
        # Copy from or to a file too short for the block.
        write_file("$dir/small", substr($sdata[0], 0, $sbs - $cut));
        open $fh, '+<:raw', "$dir/small" or die;
        my $out = "\0" x $sbs;
        like(croaks(sub { $f->copy([$fh, 0], $out) }), qr/^copy: block #0: .*too short/,
            "copy from a file shorter by $cut: croaks");
        like(croaks(sub { $f->copy($sdata[1], [$fh, 0]) }), qr/^copy: block #1: .*too short/,
            "copy to a file shorter by $cut: croaks");
    }
}

# --- overlapping regions of one file in set_decode_blocks
{
    my @idx = (4, 1, 5);
    my $img = join '', @all[@idx];
    write_file("$dir/ov", $img);
    open my $fh, '+<:raw', "$dir/ov" or die;
    open my $fh2, '+<:raw', "$dir/ov" or die;
    my $f = Algorithm::FEC->new($k, $n, $bs);
    my @cases = (
        ['the same region twice (a target)', [[$fh, 0], [$fh, $bs], [$fh2, 0]], [4, 1, 5],
         qr/^set_decode_blocks: blocks #0 and #2 are the same region of one file at /],
        ['the same region twice (both read)', [[$fh, 0], [$fh2, 0], [$fh, 2 * $bs]], [0, 1, 5],
         qr/^set_decode_blocks: blocks #0 and #1 are the same region of one file at /],
        ['a target overlapping a data block', [[$fh, 0], [$fh2, $bs - 1], [$fh, 2 * $bs]], [4, 1, 5],
         qr/^set_decode_blocks: blocks #0 and #1 overlap in one file, and one of them is written at /],
    );
    for my $c (@cases) {
        my ($name, $blocks, $idx, $re) = @$c;
        my @i = @$idx;
        like(croaks(sub { $f->set_decode_blocks($blocks, \@i) }), $re, "$name: croaks");
        is_deeply(\@i, $idx, "$name: indices untouched");
    }
    like(croaks(sub { $f->decode }), qr/^index array must be set/, 'nothing was set');
    is(read_file("$dir/ov"), $img, 'the file is untouched');
}

# --- copy between overlapping regions of one file: memmove
for my $c ([0, int($bs / 3)], [int($bs / 3), 0], [17, 17], [$bs, 1]) {
    my ($from, $to) = @$c;
    my $img = join '', @data;
    write_file("$dir/cp", $img);
    open my $fh, '+<:raw', "$dir/cp" or die;
    open my $fh2, '+<:raw', "$dir/cp" or die;
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->copy([$fh2, $from], [$fh, $to]);
    close $fh;
    substr($img, $to, $bs) = substr($img, $from, $bs);
    ok(read_file("$dir/cp") eq $img, "copy [fh, $from] -> [fh, $to] moves as memmove");
}

# --- a sparse target on a full file system: croaks at set time, not a SIGBUS later.
# Needs a small tmpfs: the child runs in its own user and mount namespaces
# (unshare(1)), where it may mount one. AFEC_NO_MOUNT_TESTS=1 skips this.
SKIP: {
    skip 'AFEC_NO_MOUNT_TESTS is set', 3 if $ENV{AFEC_NO_MOUNT_TESTS};
    mkdir "$dir/fs" or die;
    my $script = <<'PERL';
use strict;
use warnings;
use Algorithm::FEC;
my $d = shift;
system('mount', '-t', 'tmpfs', '-o', 'size=512k', 'none', $d) == 0 or die "mount failed\n";
my $bs = 65536;
open my $fh, '+>', "$d/sparse" or die;
truncate $fh, 4 * $bs or die;
open my $fill, '>', "$d/filler" or die;
1 while syswrite $fill, "\1" x 4096;
my $f = Algorithm::FEC->new(2, 4, $bs);
my @idx = (3, 1);
eval { $f->set_decode_blocks([[$fh, 2 * $bs], "\0" x $bs], \@idx); 1 } and print "set_decode_blocks: success\n";
print "$@";
eval { $f->copy("\5" x $bs, [$fh, $bs]); 1 } and print "copy: success\n";
print "$@";
close $fill;
unlink "$d/filler";
$f->copy("\5" x $bs, [$fh, $bs]);
print "copy with space: ok\n";
PERL
    my @cmd = ('unshare', '--map-root-user', '--mount', $^X, (map { "-I$_" } @INC), '-e', $script, "$dir/fs");
    open my $p, '-|', @cmd or die "unshare: $!";
    my $out = do { local $/; <$p> };
    close $p;
    is($?, 0, 'full file system: the child exits normally') or diag $out;
    like($out, qr/^set_decode_blocks: block #0: no space on the file system/m, 'set_decode_blocks croaks: no space');
    like($out, qr/^copy: block #1: no space on the file system.*\ncopy with space: ok$/ms, 'copy croaks: no space; with space it works');
}

done_testing;
