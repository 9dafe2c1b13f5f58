# Blocks in files: filehandles (offset 0) and [fh, offset] at unaligned offsets,
# for encode, decode (written through the mapping) and copy; every way a file
# block can be wrong croaks (crash-prone cases in a child, which must exit
# normally, not by a signal).
use strict;
use warnings;
use Test::More;
use IO::File;
use FindBin;
use lib "$FindBin::Bin/lib";
use AfecTest;
use Algorithm::FEC;

my $dir = tmpdir();
my ($k, $n, $bs) = (4, 9, 1000);
my @data = map { gen_block(5, $_, $bs) } 0 .. $k - 1;
my $mem = Algorithm::FEC->new($k, $n, $bs);
$mem->set_encode_blocks([@data]);
my @all = $mem->encode(0 .. $n - 1);

# A file with the data blocks at odd offsets and junk in between.
my @off = (13, 13 + $bs + 7, 13 + 2 * $bs + 7 + 4097, 13 + 3 * $bs + 7 + 4097 + 1);
my $junk = 'J' x ($off[-1] + $bs + 333);
my $img = $junk;
substr($img, $off[$_], $bs) = $data[$_] for 0 .. $k - 1;
write_file("$dir/data", $img);

# --- encode from file regions
{
    open my $fh, '<:raw', "$dir/data" or die;
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->set_encode_blocks([ map { [$fh, $off[$_]] } 0 .. $k - 1 ]);
    is_deeply([ $f->encode(0 .. $n - 1) ], \@all, 'encode from [fh, offset] regions at unaligned offsets');
    close $fh;
    is($f->encode(7), $all[7], 'the handle may be closed after set_encode_blocks');

    # The mapping is read when encode runs: changes to the file are seen.
    open my $w, '+<:raw', "$dir/data" or die;
    seek $w, $off[2], 0;
    print $w 'Z' x $bs;
    close $w;
    isnt($f->encode(7), $all[7], 'file changed after set_encode_blocks: encode sees it');
    write_file("$dir/data", $img);
}

# One file per block, plain handles (offset 0), in all handle flavours; mixed with strings.
{
    for my $i (0 .. $k - 1) { write_file("$dir/b$i", $data[$i] . 'tail') }
    open my $h0, '<', "$dir/b0" or die;
    my $h1 = IO::File->new("$dir/b1", 'r') or die;
    no strict 'refs';
    open(FEC_B2, '<', "$dir/b2") or die;
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->set_encode_blocks([$h0, $h1, *FEC_B2, $data[3]]);
    is_deeply([ $f->encode(0 .. $n - 1) ], \@all, 'glob ref, IO::File, bare glob and a string');
    $f->set_encode_blocks([*FEC_B2{IO}, [$h1, 0], $data[2], [\*FEC_B2, 0]]);
    is($f->encode(1), $data[1], '*FH{IO} and [\*FH, 0]');
    close FEC_B2;
}

# Perl's output buffer is flushed before mapping.
{
    open my $fh, '+>:raw', "$dir/buffered" or die;
    print $fh $data[0], $data[1];                  # still in PerlIO's buffer
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->set_encode_blocks([[$fh, 0], [$fh, $bs], $data[2], $data[3]]);
    is($f->encode(8), $all[8], 'unflushed output is flushed before the file is mapped');
}

# --- decode into files at unaligned offsets
{
    # Blocks 5, 1, 8, 3 are given: 5 and 8 are check blocks in the file (written
    # by decode), 1 and 3 too (not written).
    my @idx = (5, 1, 8, 3);
    my $d = $junk;
    substr($d, $off[$_], $bs) = $all[ $idx[$_] ] for 0 .. $k - 1;
    write_file("$dir/dec", $d);
    open my $fh, '+<:raw', "$dir/dec" or die;
    my $f = Algorithm::FEC->new($k, $n, $bs);
    my @blocks = map { [$fh, $off[$_]] } 0 .. $k - 1;
    my @region = @off;
    $f->set_decode_blocks(\@blocks, \@idx);
    is_deeply(\@idx, [5, 1, 8, 3], 'reordered (already in place)');
    $f->decode;
    close $fh;
    my $want = $junk;
    substr($want, $off[$_], $bs) = $data[$_] for 0 .. $k - 1;
    ok(read_file("$dir/dec") eq $want, 'file decoded in place; the bytes around the regions are untouched');
}
{
    # Mixed: strings and file regions, data blocks out of place (reordering moves
    # the [fh, offset] pairs too).
    my @idx = (2, 7, 0, 6);
    write_file("$dir/mix", 'x' x 5 . $all[7] . 'y' x 3 . $all[6] . 'z');
    open my $fh, '+<', "$dir/mix" or die;
    my @blocks = ($all[2], [$fh, 5], $all[0], [$fh, 5 + $bs + 3]);
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->set_decode_blocks(\@blocks, \@idx);
    is_deeply(\@idx, [0, 7, 2, 6], 'mixed: reordered');
    $f->decode;
    is($blocks[0], $data[0], 'mixed: string data block in place');
    is($blocks[2], $data[2], 'mixed: string data block moved');
    is(read_file("$dir/mix"), 'x' x 5 . $data[1] . 'y' x 3 . $data[3] . 'z', 'mixed: file regions decoded');
}
{
    # Large blocks in files.
    my ($k, $n, $bs) = (3, 6, 3 << 20);
    my @d = map { chr(65 + $_) x $bs } 0 .. $k - 1;
    substr($d[1], 12345, 5) = 'hello';
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->set_encode_blocks(\@d);
    my @c = $f->encode(3, 4, 5);
    write_file("$dir/big", 'P' . join('', @c));
    open my $fh, '+<', "$dir/big" or die;
    my @blocks = ([$fh, 1], [$fh, 1 + $bs], [$fh, 1 + 2 * $bs]);
    my @idx = (3, 4, 5);
    $f->set_decode_blocks(\@blocks, \@idx);
    $f->decode;
    close $fh;
    ok(read_file("$dir/big") eq 'P' . join('', @d), '3 MiB blocks decoded in a file');
}

# --- copy between strings and files
{
    write_file("$dir/copy", 'A' x 10 . 'B' x $bs . 'C' x 10);
    open my $fh, '+<', "$dir/copy" or die;
    my $f = Algorithm::FEC->new($k, $n, $bs);
    $f->copy($data[0], [$fh, 10]);
    is(read_file("$dir/copy"), 'A' x 10 . $data[0] . 'C' x 10, 'copy string -> file region');
    my $s = 'q' x $bs;
    $f->copy([$fh, 10], $s);
    is($s, $data[0], 'copy file region -> string');
    write_file("$dir/copy2", 'D' x ($bs + 3));
    open my $fh2, '+<', "$dir/copy2" or die;
    $f->copy([$fh, 10], [$fh2, 3]);
    is(read_file("$dir/copy2"), 'DDD' . $data[0], 'copy file -> file');
    like(croaks(sub { $f->copy('short', $s) }), qr/^the source block \(a string\) has size 5, not 1000/, 'copy: short source');
    like(croaks(sub { $f->copy($data[1], 'x' x 999) }), qr/^the destination block \(a string\) has size 999, not 1000/, 'copy: short destination');
    open my $ro, '<', "$dir/copy" or die;
    my $before = read_file("$dir/copy");
    like(croaks(sub { $f->copy($data[1], [$ro, 10]) }), qr/copy: block #1: cannot map it for writing/, 'copy into a read-only handle croaks');
    is(read_file("$dir/copy"), $before, '... and writes nothing');
    like(croaks(sub { $f->copy($data[1], [$fh, 21]) }), qr/too short/, 'copy into a region past the end croaks');
}

# --- read-only handle as a decode target
{
    my @idx = (5, 1, 8, 3);
    write_file("$dir/ro", join '', @all[@idx]);
    open my $ro, '<', "$dir/ro" or die;
    my @blocks = map { [$ro, $_ * $bs] } 0 .. $k - 1;
    my @copy = @blocks;
    my $f = Algorithm::FEC->new($k, $n, $bs);
    like(croaks(sub { $f->set_decode_blocks(\@blocks, \@idx) }),
         qr/^set_decode_blocks: block #0: cannot map it for writing \(is the file opened read-write\?\)/,
         'read-only handle where decode would write: croak at set_decode_blocks');
    is_deeply(\@idx, [5, 1, 8, 3], '... indices untouched');
    is_deeply(\@blocks, \@copy, '... blocks untouched');
    like(croaks(sub { $f->decode }), qr/^index array must be set/, '... and nothing is set');

    # Read-only is fine where decode only reads (data blocks).
    open my $rw, '+<', "$dir/ro" or die;
    @blocks = ([$rw, 0], [$ro, $bs], [$rw, 2 * $bs], [$ro, 3 * $bs]);
    @idx = (5, 1, 8, 3);
    $f->set_decode_blocks(\@blocks, \@idx);
    $f->decode;
    close $rw;
    is(read_file("$dir/ro"), join('', @data), 'read-only handles for the data blocks, read-write for the targets');
}

# --- bad file blocks: clear croaks, never a signal
my $short = "$dir/short";
write_file($short, 'x' x ($bs + 10));
my @bad = (
    ['region past the end of the file', sub { open my $fh, '<', $short or die; [$fh, 11] }, qr/block #0: the file is 1010 bytes long, too short for a block at offset 11 of 1000 bytes/],
    ['region far past the end', sub { open my $fh, '<', $short or die; [$fh, 1 << 40] }, qr/too short/],
    ['empty file', sub { write_file("$dir/empty", ''); open my $fh, '<', "$dir/empty" or die; $fh }, qr/too short/],
    ['negative offset', sub { open my $fh, '<', $short or die; [$fh, -1] }, qr/offset -1 is negative/],
    ['fractional offset', sub { open my $fh, '<', $short or die; [$fh, 1.5] }, qr/offset must be an integer/],
    ['[fh, offset, extra]', sub { open my $fh, '<', $short or die; [$fh, 0, 0] }, qr/must be \[filehandle, offset\]/],
    ['[name of no handle, offset]', sub { ['main::NoSuchHandle', 0] }, qr/: there is no filehandle named 'main::NoSuchHandle'/],
    ['[undef, offset]', sub { [undef, 0] }, qr/first element is not a filehandle or a filehandle's name/],
    ['[[], offset]', sub { [[], 0] }, qr/first element is not a filehandle or a filehandle's name/],
    ['[]', sub { [] }, qr/must be \[filehandle, offset\] or \[filehandle\]/],
    ['in-memory handle', sub { my $buf = 'x' x $bs; open my $fh, '<', \$buf or die; $fh }, qr/no file descriptor \(an in-memory filehandle\?\)/],
    ['closed handle', sub { open my $fh, '<', $short or die; close $fh; $fh }, qr/the filehandle is not open/],
    ['pipe', sub { pipe my $r, my $w or die; print $w 'x' x 100; [$r, 0] }, qr/not a regular file/],
    ['directory handle glob', sub { opendir my $dh, $dir or die; $dh }, qr/filehandle is not open|Bad filehandle|not a string/],
    ['write-only handle', sub { open my $fh, '>>', $short or die; $fh }, qr/block #0: .*(denied|mapp)/i],
);
for my $case (@bad) {
    my ($name, $make, $re) = @$case;
    for my $method (qw(set_encode_blocks set_decode_blocks copy)) {
        my ($status, $err) = in_child(sub {
            my $f = Algorithm::FEC->new(2, 3, $bs);
            my $blk = $make->();
            if ($method eq 'set_encode_blocks') { $f->set_encode_blocks([$blk, 'y' x $bs]) }
            elsif ($method eq 'set_decode_blocks') { $f->set_decode_blocks([$blk, 'y' x $bs], [0, 1]) }
            else { my $dst = 'y' x $bs; $f->copy($blk, $dst) }
        });
        is($status & 127, 0, "$method, $name: no signal") or diag "status $status";
        like($err, $re, "$method, $name: croaks clearly");
    }
}

# --- fd 0 is a valid descriptor
{
    write_file("$dir/stdin", $data[0]);
    my ($status, $err) = in_child(sub {
        open STDIN, '<', "$dir/stdin" or die "reopen: $!";
        die "STDIN is fd " . fileno(STDIN) . ", not 0\n" if fileno(STDIN) != 0;
        my $f = Algorithm::FEC->new($k, $n, $bs);
        $f->set_encode_blocks([\*STDIN, @data[1 .. $k - 1]]);
        die "wrong block\n" unless $f->encode(6) eq $all[6];
    });
    is($status, 0, 'fd 0: child exited normally');
    is($err, '', 'fd 0 (STDIN reopened on a file) is a valid block handle');
}

done_testing;
