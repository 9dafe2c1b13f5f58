# Threads: objects are not cloned into new threads (CLONE_SKIP), so a session is
# never shared or freed twice; each thread can make its own.
use strict;
use warnings;
use Config;
use Test::More;

BEGIN {
    plan skip_all => 'perl without ithreads' unless $Config{useithreads};
    plan skip_all => 'threads.pm not available' unless eval { require threads; 1 };
}
use Algorithm::FEC;

my @data = ('1' x 70, '2' x 70, '3' x 70);
my $fec = Algorithm::FEC->new(3, 5, 70);
$fec->set_encode_blocks(\@data);

my @r = threads->create({ context => 'list' }, sub {
    my $seen = defined($fec) && eval { $fec->encode(3); 1 } ? 'usable' : 'not usable';
    my $own = Algorithm::FEC->new(3, 5, 70);
    $own->set_encode_blocks([@data]);
    return ($seen, $own->encode(4));
})->join;
is($r[0], 'not usable', 'the parent object is not shared with the thread');
is($r[1], 'Y' x 70, 'the thread makes and uses its own object');
is($fec->encode(3), '%' x 70, 'the parent object still works after the thread ended');

done_testing;
