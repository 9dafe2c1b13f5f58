# The POD: well-formed, documents every method, and its examples run (they are
# extracted from the installed .pm and executed as they are).
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempfile);
use Pod::Checker;
use Algorithm::FEC;

my $pm = $INC{'Algorithm/FEC.pm'};
open my $fh, '<', $pm or die "$pm: $!";
my $src = do { local $/; <$fh> };
close $fh;

{
    my $checker = Pod::Checker->new(-warnings => 2);
    open my $null, '>', \my $out;
    $checker->parse_from_file($pm, $null);
    is($checker->num_errors, 0, 'POD has no errors') or diag $out;
    is($checker->num_warnings, 0, 'POD has no warnings') or diag $out;
}

for my $m (qw(new set_encode_blocks encode encode_into set_decode_blocks decode shuffle copy)) {
    like($src, qr/^=head2 \Q$m\E$/m, "method $m is documented");
    ok(Algorithm::FEC->can($m), "method $m exists");
}
for my $section ('BLOCKS', 'REORDERING', 'COPY-ON-WRITE', 'LIMITS', 'ERRORS', 'EXAMPLES') {
    like($src, qr/^=head1 \Q$section\E$/m, "section $section");
}

# Verbatim paragraphs from $start (a line index) to the next non-verbatim line.
sub verbatim_after {
    my ($lines, $i) = @_;
    my @code;
    $i++ while $i < @$lines && $lines->[$i] =~ /^\s*$/;
    for (; $i < @$lines; $i++) {
        last if $lines->[$i] =~ /^\S/;
        push @code, $lines->[$i];
    }
    my $code = join "\n", @code;
    $code =~ s/^  //mg;    # the POD indent
    return $code;
}

my @lines = split /\n/, $src;
my %examples;
for my $i (0 .. $#lines) {
    $examples{$1} = verbatim_after(\@lines, $i + 1) if $lines[$i] =~ /^=for example (\S+)/;
    $examples{SYNOPSIS} = verbatim_after(\@lines, $i + 1) if $lines[$i] eq '=head1 SYNOPSIS';
}
is_deeply([ sort keys %examples ], [qw(SYNOPSIS freenet repair)], 'examples found');

# The SYNOPSIS: run it here and look at its variables.
{
    my $got = eval "package Synopsis; no strict; $examples{SYNOPSIS}\n; [\\\@blocks, \\\@indices, \$check3, \\\@checks]";
    is($@, '', 'SYNOPSIS runs');
    is_deeply($got->[0], [ '1' x 70, '2' x 70, '3' x 70 ], 'SYNOPSIS: data decoded');
    is_deeply($got->[1], [4, 1, 3], 'SYNOPSIS: indices reordered as its comment says');
    is($got->[2], '%' x 70, 'SYNOPSIS: block 3 is "%" x 70 as its comment says');
    is(scalar @{ $got->[3] }, 2, 'SYNOPSIS: two blocks in list context');
}

# The two examples: run each as its own program.
for my $name (qw(freenet repair)) {
    my ($tfh, $file) = tempfile(UNLINK => 1, SUFFIX => '.pl');
    print $tfh $examples{$name};
    close $tfh;
    my $out = `"$^X" ${\ join ' ', map { qq{"-I$_"} } grep { !ref } @INC} "$file" 2>&1`;
    is($?, 0, "example $name exits 0") or diag $out;
    like($out, qr/^ok: /, "example $name reports success") or diag $out;
}

done_testing;
