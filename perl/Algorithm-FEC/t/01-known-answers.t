# Known answers of tests/data/algorithm-fec.tsv (produced by the original
# Algorithm::FEC 1.1): E lines (encode), D lines (reorder + decode), P lines
# (GF(2^16) with odd block size: rejected here; the even prefix must match).
use strict;
use warnings;
use Test::More;
use Digest::SHA qw(sha256_hex);
use FindBin;
use lib "$FindBin::Bin/lib";
use AfecTest;
use Algorithm::FEC;

my $tsv = tsv_path();
open my $fh, '<', $tsv or die "$tsv: $!";
my (%data, %fec, %seen);

sub data_blocks {
    my ($k, $bs, $seed) = @_;
    return $data{"$k/$bs/$seed"} //= [ map { gen_block($seed, $_, $bs) } 0 .. $k - 1 ];
}

sub encoder {
    my ($k, $n, $bs, $seed) = @_;
    return $fec{"$k/$n/$bs/$seed"} //= do {
        my $f = Algorithm::FEC->new($k, $n, $bs);
        $f->set_encode_blocks(data_blocks($k, $bs, $seed));
        $f;
    };
}

my %count;
while (my $line = <$fh>) {
    next if $line =~ /^#/ || $line !~ /\S/;
    chomp $line;
    my ($type, $k, $n, $bs, $seed, @rest) = split /\t/, $line;
    $count{$type}++;
    if ($type eq 'E') {
        my ($index, $sha) = @rest;
        my $blk = encoder($k, $n, $bs, $seed)->encode($index);
        is(sha256_hex($blk), $sha, "E k=$k n=$n bs=$bs seed=$seed index=$index");
    } elsif ($type eq 'D') {
        my ($in, $reordered, $sha) = @rest;
        my @idx = split /,/, $in;
        my $enc = encoder($k, $n, $bs, $seed);
        my @blocks = $enc->encode(@idx);
        my $dec = Algorithm::FEC->new($k, $n, $bs);
        $dec->set_decode_blocks(\@blocks, \@idx);
        is(join(',', @idx), $reordered, "D k=$k n=$n bs=$bs seed=$seed [$in]: reordered");
        $dec->decode;
        is(sha256_hex(join '', @blocks), $sha, "D k=$k n=$n bs=$bs seed=$seed [$in]: decoded");
        delete $fec{"$k/$n/$bs/$seed"} if $bs >= 65536;    # keep memory small
    } elsif ($type eq 'P') {
        my ($index, $sha) = @rest;
        like(
            croaks(sub { Algorithm::FEC->new($k, $n, $bs) }),
            qr/odd/,
            "P k=$k n=$n bs=$bs: odd block size in GF(2^16) croaks"
        ) unless $seen{"P/$k/$n/$bs"}++;
        if ($bs > 1) {
            # The original codes floor(bs/2) symbols: the first bs-1 bytes are the
            # code of the data cut to bs-1 bytes.
            my $even = $bs - 1;
            my @d = map { substr $_, 0, $even } @{ data_blocks($k, $bs, $seed) };
            my $f = Algorithm::FEC->new($k, $n, $even);
            $f->set_encode_blocks(\@d);
            is(sha256_hex($f->encode($index)), $sha,
               "P k=$k n=$n bs=$bs seed=$seed index=$index: first bs-1 bytes");
        } else {
            is($sha, sha256_hex(''), "P k=$k n=$n bs=1: nothing defined");
        }
    } else {
        fail("unknown line type $type");
    }
}
ok($count{E} && $count{D} && $count{P}, "E, D and P lines seen: "
   . join ', ', map { "$_=$count{$_}" } sort keys %count);

done_testing;
