package AfecTest;
# Helpers shared by the Algorithm::FEC tests.
use strict;
use warnings;
use Exporter 'import';
use File::Spec;
use File::Temp qw(tempdir);
use FindBin ();
use POSIX ();

our @EXPORT = qw(gen_block tsv_path in_child croaks tmpdir write_file read_file);

# The crate's directory: AFEC_CRATE_DIR, else crate/ in an unpacked distribution,
# else the repository root (perl/Algorithm-FEC/t/../../..), as Makefile.PL finds it.
sub root {
    return $ENV{AFEC_CRATE_DIR} if $ENV{AFEC_CRATE_DIR};
    my $dist = File::Spec->catdir($FindBin::Bin, File::Spec->updir);
    my $bundled = File::Spec->catdir($dist, 'crate');
    return -d $bundled ? $bundled : File::Spec->catdir($dist, File::Spec->updir, File::Spec->updir);
}

sub tsv_path { File::Spec->catfile(root(), 'tests', 'data', 'algorithm-fec.tsv') }

# Data block $j of a config with seed $s, as the header of algorithm-fec.tsv
# defines it: xorshift64 state update, byte = high byte of x * 0x2545F4914F6CDD1D
# (mod 2^64). Perl has 64-bit UVs here: shifts truncate, and products of two values
# below 2^32 are exact, so the multiply is done in 32-bit halves.
my $M32 = 0xFFFFFFFF;
my ($C_HI, $C_LO) = (0x2545F491, 0x4F6CDD1D);
sub gen_block {
    my ($s, $j, $bs) = @_;
    die "this test needs a perl with 64-bit integers\n" unless ~0 == 18446744073709551615;
    my $x = $s * 1000003 + $j + 1;
    my $out = "\0" x $bs;
    for my $p (0 .. $bs - 1) {
        $x ^= $x >> 12;
        $x ^= $x << 25;
        $x ^= $x >> 27;
        my ($xh, $xl) = ($x >> 32, $x & $M32);
        my $hi = ((($xl * $C_LO) >> 32) + (($xh * $C_LO) & $M32) + (($xl * $C_HI) & $M32)) & $M32;
        vec($out, $p, 8) = $hi >> 24;
    }
    return $out;
}

# Runs $code in a forked child; returns ($wait_status, $error_text). The error
# text is $@ if the code died, '' otherwise. A crash shows as a signal in the status.
sub in_child {
    my ($code) = @_;
    pipe(my $r, my $w) or die "pipe: $!";
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        close $r;
        my $ok = eval { $code->(); 1 };
        print $w ($ok ? '' : "$@");
        close $w;
        POSIX::_exit(0);
    }
    close $w;
    my $msg = do { local $/; <$r> };
    close $r;
    waitpid $pid, 0;
    return ($?, $msg // '');
}

# The exception of $code, or undef if it lived.
sub croaks {
    my ($code) = @_;
    return eval { $code->(); 1 } ? undef : "$@";
}

sub tmpdir { tempdir(CLEANUP => 1) }

sub write_file {
    my ($f, $bytes) = @_;
    open my $fh, '>:raw', $f or die "$f: $!";
    print $fh $bytes;
    close $fh or die "$f: $!";
}

sub read_file {
    my ($f) = @_;
    open my $fh, '<:raw', $f or die "$f: $!";
    local $/;
    my $b = <$fh>;
    return defined $b ? $b : '';
}

1;
