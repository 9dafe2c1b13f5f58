//! Build script. Without the `perl` feature it does nothing (and needs no Perl).
//!
//! With `--features perl` it turns the Perl XS glue (perl/Algorithm-FEC/FEC.xs, or
//! the directory named by `AFEC_XS_DIR`) into C with Perl's own `ExtUtils::ParseXS`
//! (what `xsubpp` runs), compiles that C with the `cc` crate using the compiler,
//! flags and include directory Perl was built with (`perl -MConfig`), and links it
//! into the crate, so that the cdylib (`libalgorithm_fec.so`) is the loadable
//! extension module `Algorithm::FEC` (src/perl.rs exports its entry point).
//! `AFEC_PERL` names the perl to ask (default: `perl` on PATH).

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(afec_perl_multiplicity)");
    #[cfg(feature = "perl")]
    perl::build();
}

#[cfg(feature = "perl")]
mod perl {
    use std::env;
    use std::path::{Path, PathBuf};
    use std::process::Command;

    /// Prints Perl's configuration: one value a line, in this order.
    const QUERY: &str = r#"
        use Config; use ExtUtils::MakeMaker;
        print join "\n", @Config{qw(cc ccflags optimize cccdlflags archlibexp usemultiplicity)},
            MM->parse_version($ARGV[0]), "";
    "#;

    /// Writes the C that `xsubpp` would write for $ARGV[0] into $ARGV[1], with the
    /// module's own typemap added to Perl's standard ones.
    const XSUBPP: &str = r#"
        use ExtUtils::ParseXS;
        open my $out, '>', $ARGV[1] or die "$ARGV[1]: $!\n";
        ExtUtils::ParseXS->new->process_file(
            filename => $ARGV[0], output => $out, typemap => [$ARGV[2]],
            prototypes => 0, linenumbers => 1);
        close $out or die "$ARGV[1]: $!\n";
        exit(ExtUtils::ParseXS::report_error_count() ? 1 : 0);
    "#;

    /// Runs `perl -e script args…` and returns its standard output; any failure
    /// stops the build with a message saying what was run.
    fn run_perl(perl: &str, script: &str, args: &[&Path]) -> String {
        let out = Command::new(perl)
            .arg("-e")
            .arg(script)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run `{perl}` (set AFEC_PERL to a perl): {e}"));
        if !out.status.success() {
            panic!(
                "`{perl}` failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        String::from_utf8(out.stdout).expect("perl printed non-UTF-8 configuration")
    }

    pub fn build() {
        let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
        let out = PathBuf::from(env::var_os("OUT_DIR").unwrap());
        println!("cargo::rerun-if-env-changed=AFEC_PERL");
        println!("cargo::rerun-if-env-changed=AFEC_XS_DIR");
        let perl = env::var("AFEC_PERL").unwrap_or_else(|_| "perl".into());
        let xs_dir = env::var_os("AFEC_XS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| manifest.join("perl/Algorithm-FEC"));
        let xs = xs_dir.join("FEC.xs");
        let typemap = xs_dir.join("typemap");
        let pm = xs_dir.join("lib/Algorithm/FEC.pm");
        for file in [&xs, &typemap, &pm] {
            if !file.is_file() {
                panic!(
                    "the `perl` feature needs {} (set AFEC_XS_DIR to the Algorithm-FEC \
                     distribution's directory)",
                    file.display()
                );
            }
            println!("cargo::rerun-if-changed={}", file.display());
        }

        let config = run_perl(&perl, QUERY, &[&pm]);
        let [cc, ccflags, optimize, cccdlflags, archlib, multiplicity, version] =
            config.lines().collect::<Vec<_>>()[..]
        else {
            panic!("unexpected output of `{perl} -MConfig`: {config:?}");
        };

        let c_file = out.join("FEC.c");
        run_perl(&perl, XSUBPP, &[&xs, &c_file, &typemap]);

        let quoted = format!("\"{version}\"");
        let mut build = cc::Build::new();
        build
            .compiler(cc)
            .file(&c_file)
            .include(Path::new(archlib).join("CORE"))
            .include(manifest.join("include"))
            .include(&xs_dir)
            .define("VERSION", quoted.as_str())
            .define("XS_VERSION", quoted.as_str())
            // The Rust wrapper in src/perl.rs exports the real boot_Algorithm__FEC.
            .define("boot_Algorithm__FEC", "afec_perl_boot")
            // As MakeMaker compiles XS: Perl's flags, not cc's extra warnings.
            .warnings(false);
        for flag in [ccflags, optimize, cccdlflags]
            .iter()
            .flat_map(|f| f.split_whitespace())
        {
            build.flag(flag);
        }
        build.compile("afec_perl_xs");

        // The boot function's signature has an interpreter argument (pTHX_) only
        // in perls built with multiplicity (all threaded perls).
        if multiplicity == "define" {
            println!("cargo::rustc-cfg=afec_perl_multiplicity");
        }
        // The XS code calls into the perl that loads the module: its symbols are
        // resolved at load time, which macOS's linker must be told.
        if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("macos") {
            println!("cargo::rustc-cdylib-link-arg=-undefined");
            println!("cargo::rustc-cdylib-link-arg=dynamic_lookup");
        }
    }
}
