# set_decode_blocks / shuffle reorder both arrays in place by SPEC's rule, moving
# the scalars themselves; bad index sets croak before anything moves.
use strict;
use warnings;
use Test::More;
use Scalar::Util qw(refaddr);
use FindBin;
use lib "$FindBin::Bin/lib";
use AfecTest;
use Algorithm::FEC;

# The rule, written out (SPEC), to compare with on random inputs.
sub spec_reorder {
    my ($k, @idx) = @_;
    my @pos = 0 .. $#idx;
    for my $i (0 .. $k - 1) {
        while ($idx[$i] < $k && $idx[$i] != $i) {
            my $j = $idx[$i];
            @idx[$i, $j] = @idx[$j, $i];
            @pos[$i, $j] = @pos[$j, $i];
        }
    }
    return (\@idx, \@pos);
}

# Measured on the original (BEHAVIOUR table).
my @cases = (
    [3, 5, [2, 1, 0], [0, 1, 2]], [3, 5, [4, 3, 1], [4, 1, 3]], [3, 5, [0, 2, 3], [0, 3, 2]],
    [3, 5, [3, 4, 0], [0, 4, 3]], [3, 5, [2, 4, 3], [3, 4, 2]], [3, 5, [1, 0, 4], [0, 1, 4]],
    [3, 5, [3, 4, 1], [3, 1, 4]], [3, 5, [4, 3, 0], [0, 3, 4]], [3, 5, [4, 2, 3], [4, 3, 2]],
    [4, 8, [7, 2, 5, 0], [0, 5, 2, 7]], [4, 8, [1, 6, 0, 7], [0, 1, 6, 7]],
    [4, 8, [3, 7, 6, 1], [7, 1, 6, 3]], [3, 300, [299, 2, 0], [0, 299, 2]],
);

for my $c (@cases) {
    my ($k, $n, $in, $want) = @$c;
    for my $method (qw(shuffle set_decode_blocks)) {
        my $bs = 4;
        my $fec = Algorithm::FEC->new($k, $n, $bs);
        my @idx = @$in;
        my @blocks = map { sprintf '%04d', $_ } @idx;      # block i tagged with its index
        my @addr = map { refaddr \$_ } @blocks;            # the scalars themselves
        my @iaddr = map { refaddr \$_ } @idx;
        $fec->$method(\@blocks, \@idx);
        is_deeply(\@idx, $want, "$method k=$k n=$n [@$in] -> [@$want]");
        is_deeply(\@blocks, [ map { sprintf '%04d', $_ } @$want ], "$method: blocks moved along");
        my (undef, $pos) = spec_reorder($k, @$in);
        is_deeply([ map { refaddr \$_ } @blocks ], [ @addr[@$pos] ], "$method: block scalars swapped, not copied");
        is_deeply([ map { refaddr \$_ } @idx ], [ @iaddr[@$pos] ], "$method: index scalars swapped");
    }
}

# Random index sets vs the rule.
srand 42;
for my $t (1 .. 200) {
    my $k = 1 + int rand 12;
    my $n = $k + int rand 12;
    my @all = (0 .. $n - 1);
    for (my $i = $#all; $i > 0; $i--) { my $j = int rand($i + 1); @all[$i, $j] = @all[$j, $i] }
    my @idx = @all[0 .. $k - 1];
    my ($want) = spec_reorder($k, @idx);
    my @blocks = (1 .. $k);
    Algorithm::FEC->new($k, $n, 1)->shuffle(\@blocks, \@idx);
    is_deeply(\@idx, $want, "random k=$k n=$n") or last;
}

# shuffle does not look at the blocks and keeps no state.
{
    my $fec = Algorithm::FEC->new(3, 5, 70);
    my @blocks = (undef, {}, 42);
    my @idx = (2, 4, 0);
    $fec->shuffle(\@blocks, \@idx);
    is_deeply(\@idx, [0, 4, 2], 'shuffle: blocks may be anything');
    is_deeply(\@blocks, [42, {}, undef], 'shuffle: ... and move along');
    like(croaks(sub { $fec->decode }), qr/^index array must be set by a prior call to set_decode_blocks/,
         'shuffle keeps no decode state');
}

# Errors: nothing moves.
for my $bad (
    [[3, 0, 0], qr/duplicate/, 'duplicate data indices'],
    [[3, 4, 3], qr/duplicate/, 'duplicate check indices'],
    [[1, 1, 1], qr/duplicate/, 'all the same'],
    [[0, 1, 5], qr/index 5 \(at position 2\) out of range, must be 0 <= index < 5/, 'index = n'],
    [[0, 1, -1], qr/index -1 \(at position 2\) out of range/, 'negative index'],
    [[0, 1, 99999999999], qr/index 99999999999 .*out of range/, 'huge index'],
    [[0, 1, 1.5], qr/must be an integer, not '1.5'/, 'fractional index'],
    [[0, 1, 'x'], qr/must be an integer, not 'x'/, 'non-numeric index'],
    [[0, 1, undef], qr/undefined/, 'undef index'],
) {
    my ($idx, $re, $name) = @$bad;
    for my $method (qw(shuffle set_decode_blocks)) {
        my $fec = Algorithm::FEC->new(3, 5, 2);
        my @idx = @$idx;
        my @blocks = ('aa', 'bb', 'cc');
        like(croaks(sub { $fec->$method(\@blocks, \@idx) }), $re, "$method: $name croaks");
        is_deeply(\@blocks, ['aa', 'bb', 'cc'], "$method: $name: blocks untouched");
        is_deeply(\@idx, $idx, "$method: $name: indices untouched");
    }
}

# Arrays of the wrong size or not arrays.
{
    my $fec = Algorithm::FEC->new(3, 5, 2);
    like(croaks(sub { $fec->shuffle([1, 2], [0, 1, 2]) }), qr/\(blocks\) must be a reference to an array of size 3/, 'short blocks array');
    like(croaks(sub { $fec->set_decode_blocks(['aa', 'bb', 'cc'], [0, 1]) }), qr/\(indices\) must be a reference to an array of size 3/, 'short index array');
    like(croaks(sub { $fec->set_decode_blocks('aa', [0, 1, 2]) }), qr/must be a reference to an array/, 'not an array ref');
    like(croaks(sub { $fec->set_decode_blocks({}, [0, 1, 2]) }), qr/must be a reference to an array/, 'hash ref');
}

done_testing;
