# Loading, construction syntax, basic round trip.
use strict;
use warnings;
use Test::More;

BEGIN { use_ok('Algorithm::FEC') }

ok(defined $Algorithm::FEC::VERSION, "version $Algorithm::FEC::VERSION");

my $fec = new Algorithm::FEC 3, 5, 70;    # indirect-object syntax, as in the old POD
isa_ok($fec, 'Algorithm::FEC', 'new Algorithm::FEC 3, 5, 70');
my $fec2 = Algorithm::FEC->new(3, 5, 70);
isa_ok($fec2, 'Algorithm::FEC', 'Algorithm::FEC->new');
isa_ok($fec2->new(2, 2, 1), 'Algorithm::FEC', '$obj->new');

# SPEC's small check.
my @data = ('1' x 70, '2' x 70, '3' x 70);
$fec->set_encode_blocks(\@data);
is($fec->encode(3), '%' x 70, 'block 3 of "1","2","3" is "%"');
is($fec->encode(4), 'Y' x 70, 'block 4 is "Y"');

my @blocks = ($fec->encode(4), $fec->encode(3), $data[1]);
my @idx = (4, 3, 1);
$fec->set_decode_blocks(\@blocks, \@idx);
is_deeply(\@idx, [4, 1, 3], 'reordered [4,3,1] -> [4,1,3]');
$fec->decode;
is_deeply(\@blocks, \@data, 'decoded in place');

done_testing;
