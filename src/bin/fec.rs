//! `fec`: split a file into m shares any k of which rebuild it, in zfec's share
//! format (byte-identical to `zfec` / `zunfec`), plus `fec verify`; and protect a
//! file against scattered corrupted bytes with Reed–Solomon codewords
//! (`fec rs-encode` / `fec rs-decode`).

use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use algorithm_fec::rs::{self, FileError};
use algorithm_fec::zfec::{self, HeaderError, Share, ShareSet};
use clap::{Args, CommandFactory, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[path = "fec/output.rs"]
mod output;
use output::{write_output, Recovered, ShareSetOutput};

const EXIT_CODES: &str = "\
Exit codes:
  0   success (verify: every share consistent)
  1   other error: cannot write an output, output directory missing, an output path
      that is not a regular file (a directory, a block device)
  2   usage error: unknown option, bad value, k or m out of range, a bad
      ALGORITHM_FEC_KERNEL
  3   cannot read the input file or a share file (missing, a directory, a FIFO)
  4   an output file exists (give -f to overwrite)
  5   fewer than k shares given
  6   shares of different files: m, k, padlen or size differ, no majority agreeing
  7   corrupt share or protected file: shorter than its header, an invalid header,
      or a header or length that most other shares contradict (truncated)
  8   duplicate share: one share number, or one file, given twice
  9   a share number in a header is not below m
  10  verify: the shares disagree (the bad share is named when it can be told);
      decode: the shares disagree and more of them are bad than the spare shares
      (those beyond k) can correct, two per bad share; nothing written
  11  rs-decode: damaged beyond repair (the lost byte ranges are named)
  12  rs-decode: the data's checksum does not match (nothing else was wrong)";

const SEE_EXIT_CODES: &str = "Exit codes: see `fec --help`.";

const ABOUT: &str = "Split a file into m shares any k of which rebuild it (zfec's share format)";

const LONG_ABOUT: &str = "\
Split a file into m shares any k of which rebuild it, with Rizzo's Vandermonde
erasure code over GF(2^8). Shares are byte-identical to those of zfec's `zfec`
command and can be decoded by `zunfec`, and the other way round.

Each share file is a 2-4 byte header (m, k, padding, share number) followed by
ceil(size/k) bytes. Memory use is constant whatever the file size, and no partial
output is ever left behind: files are written under temporary names and renamed
at the end.";

const TOP_EXAMPLES: &str = "\
Examples:
  fec encode -k 3 -m 5 photo.jpg        # photo.jpg.0_5.fec ... photo.jpg.4_5.fec
  fec decode -o photo.jpg photo.jpg.1_5.fec photo.jpg.3_5.fec photo.jpg.4_5.fec
  fec verify photo.jpg.*_5.fec";

const ENCODE_EXAMPLES: &str = "\
Examples:
  fec encode big.iso                     # 8 shares, any 3 rebuild: ./big.iso.0_8.fec ...
  fec encode -k 4 -m 10 -d /mnt/shares backup.tar
  tar c dir | fec encode -k 2 -m 4 -p dir.tar -   # from a pipe: dir.tar.0_4.fec ...";

const RS_EXAMPLES: &str = "\
Examples:
  fec rs-encode -o disk.img.rs disk.img          # RS(255,223), depth 16: fixes 16 bad
                                                 # bytes per 255, or a 256-byte burst
  fec rs-encode -n 255 -k 191 -o notes.rs notes  # stronger: 32 per 255, 512-byte burst
  fec rs-encode -i 64 -o disk.img.rs disk.img    # deeper: a 1024-byte burst
  fec rs-decode -o disk.img disk.img.rs          # reports how many bytes were fixed

Exit 0 means the bytes written are exactly the bytes protected: every group of
codewords passed its own checksum (bound to its position and to its file) and the
BLAKE3 hash of all the data matched. Otherwise nothing is written (unless
--best-effort), the exit code is 11 (12 if only the final hash failed) and the
message names the byte ranges of the original that could not be restored.

The protected file is a 64-byte header (magic, version 2, n, k, interleave depth D,
a random file id), the data in groups of D RS(n,k) codewords, byte-interleaved (byte
i of the group's codeword j at position i*d+j, d = D but for a last group of fewer),
each group carrying D*k-16 data bytes and a 16-byte checksum, and a 128-byte trailer
holding the original length and its BLAKE3 hash; header and trailer are themselves
RS-protected. Each codeword fixes (n-k)/2 bad bytes, so any burst of up to D*(n-k)/2
consecutive bad bytes is fixed (d*(n-k)/2 where it falls in a last group of d < D
codewords). D*k must exceed 16.";

const DECODE_EXAMPLES: &str = "\
Examples:
  fec decode -o big.iso big.iso.2_8.fec big.iso.5_8.fec big.iso.7_8.fec
  fec decode -o - shares/*.fec | tar x   # any k or more shares, any order, any names

Shares beyond k are spares: every share is checked against the others, and where
(at some byte) up to one bad share per two spares is found, the file is still
rebuilt exactly and each bad share is named on stderr in a line starting
`fec: corrected:`. Where more are bad, nothing is written and the exit code is 10.
With exactly k shares nothing can be checked: a corrupt share gives a wrong file.
Give more shares, or run `fec verify` first.";

const VERIFY_EXAMPLES: &str = "\
Examples:
  fec verify big.iso.*_8.fec

With k+2 or more shares a single bad share (per 4 KiB stretch) is named; with k+1
shares a disagreement is found but cannot be pinned on one share.";

#[derive(Parser)]
#[command(
    name = "fec",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_long_help = format!("{TOP_EXAMPLES}\n\n{EXIT_CODES}"),
    propagate_version = true
)]
struct Cli {
    /// Print details: parameters, files, timing.
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "quiet",
        display_order = 100
    )]
    verbose: bool,
    /// Print nothing but errors (no progress bar either).
    #[arg(short, long, global = true, display_order = 101)]
    quiet: bool,
    // Also accepted before the subcommand (`fec --no-fsync encode ...`), as it
    // always was; refused before `verify`.
    #[command(flatten)]
    write: WriteOpts,
    #[command(subcommand)]
    cmd: Cmd,
}

/// Options of the subcommands that write files (not `verify`).
#[derive(Args)]
struct WriteOpts {
    /// Do not fsync output files and their directory before reporting success
    /// (faster; a power failure right after may lose or truncate them).
    #[arg(long, display_order = 102)]
    no_fsync: bool,
}

#[derive(Subcommand)]
enum Cmd {
    /// Split a file (or standard input) into m share files.
    #[command(after_long_help = format!("{ENCODE_EXAMPLES}\n\n{SEE_EXIT_CODES}"))]
    Encode(EncodeArgs),
    /// Rebuild a file from any k or more of its shares.
    #[command(after_long_help = format!("{DECODE_EXAMPLES}\n\n{SEE_EXIT_CODES}"))]
    Decode(DecodeArgs),
    /// Check that shares agree: re-encode from k, compare the rest, name a bad one.
    #[command(after_long_help = format!("{VERIFY_EXAMPLES}\n\n{SEE_EXIT_CODES}"))]
    Verify(VerifyArgs),
    /// Protect a file against scattered corrupted bytes (Reed–Solomon codewords).
    #[command(name = "rs-encode", after_long_help = format!("{RS_EXAMPLES}\n\n{SEE_EXIT_CODES}"))]
    RsEncode(RsEncodeArgs),
    /// Repair and unwrap a file made by rs-encode, reporting the bytes fixed.
    #[command(name = "rs-decode", after_long_help = format!("{RS_EXAMPLES}\n\n{SEE_EXIT_CODES}"))]
    RsDecode(RsDecodeArgs),
}

impl Cmd {
    /// The write options of a subcommand that writes.
    fn write_opts(&self) -> Option<&WriteOpts> {
        match self {
            Cmd::Encode(a) => Some(&a.write),
            Cmd::Decode(a) => Some(&a.write),
            Cmd::RsEncode(a) => Some(&a.write),
            Cmd::RsDecode(a) => Some(&a.write),
            Cmd::Verify(_) => None,
        }
    }
}

#[derive(Args)]
struct RsEncodeArgs {
    /// Codeword length in bytes (k < n <= 255).
    #[arg(short = 'n', long = "length", value_name = "N", default_value_t = 255,
          value_parser = clap::value_parser!(u16).range(2..=255))]
    n: u16,
    /// Data bytes per codeword; n - k parity bytes fix (n - k) / 2 bad bytes.
    #[arg(short = 'k', long = "data", value_name = "K", default_value_t = 223,
          value_parser = clap::value_parser!(u16).range(1..=254))]
    k: u16,
    /// Interleave depth D: codewords per group, byte-interleaved, so a burst of up to
    /// D * (n - k) / 2 bad bytes is fixed (1 = no interleaving).
    #[arg(short = 'i', long = "interleave", value_name = "D", default_value_t = 16,
          value_parser = clap::value_parser!(u16).range(1..=255))]
    interleave: u16,
    /// Where to write the protected file, or - for standard output.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: PathBuf,
    /// Overwrite OUT if it exists.
    #[arg(short = 'f', long = "force")]
    force: bool,
    #[command(flatten)]
    write: WriteOpts,
    /// The file to protect, or - for standard input.
    #[arg(value_name = "FILE")]
    input: PathBuf,
}

#[derive(Args)]
struct RsDecodeArgs {
    /// Where to write the repaired original, or - for standard output (held in a
    /// temporary file until verified, as for a FIFO or device).
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: PathBuf,
    /// Overwrite OUT if it exists.
    #[arg(short = 'f', long = "force")]
    force: bool,
    /// Write OUT even when parts are beyond repair: the lost byte ranges are listed and
    /// hold the bytes as found; the exit code is still 11 (or 12).
    #[arg(long = "best-effort")]
    best_effort: bool,
    #[command(flatten)]
    write: WriteOpts,
    /// The protected file, or - for standard input.
    #[arg(value_name = "FILE")]
    input: PathBuf,
}

#[derive(Args)]
struct EncodeArgs {
    /// Shares required to rebuild the file (1..=256).
    #[arg(short = 'k', long = "requiredshares", value_name = "K", default_value_t = 3,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    k: u16,
    /// Shares to make in all (k..=256).
    #[arg(short = 'm', long = "totalshares", value_name = "M", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    m: u16,
    /// Directory to write the share files to.
    #[arg(
        short = 'd',
        long = "output-dir",
        value_name = "DIR",
        default_value = "."
    )]
    dir: PathBuf,
    /// Share file name prefix [default: the input's file name; `stdin` for -].
    #[arg(short = 'p', long = "prefix", value_name = "PREFIX")]
    prefix: Option<OsString>,
    /// Share file name suffix.
    #[arg(
        short = 's',
        long = "suffix",
        value_name = "SUFFIX",
        default_value = ".fec"
    )]
    suffix: OsString,
    /// Overwrite existing share files.
    #[arg(short = 'f', long = "force")]
    force: bool,
    #[command(flatten)]
    write: WriteOpts,
    /// The file to encode, or - for standard input.
    #[arg(value_name = "FILE")]
    input: PathBuf,
}

#[derive(Args)]
struct DecodeArgs {
    /// Where to write the rebuilt file, or - for standard output.
    #[arg(
        short = 'o',
        long = "outputfile",
        visible_alias = "output",
        value_name = "OUT"
    )]
    output: PathBuf,
    /// Overwrite OUT if it exists.
    #[arg(short = 'f', long = "force")]
    force: bool,
    #[command(flatten)]
    write: WriteOpts,
    /// Share files: any k or more, in any order, with any names.
    #[arg(value_name = "SHARE", required = true)]
    shares: Vec<PathBuf>,
}

#[derive(Args)]
struct VerifyArgs {
    /// Share files of one file (more than k to have something to compare).
    #[arg(value_name = "SHARE", required = true)]
    shares: Vec<PathBuf>,
}

/// An error to report and the exit code that goes with it.
#[derive(Debug)]
struct Failure {
    code: u8,
    msg: String,
}

fn failure(code: u8, msg: impl Into<String>) -> Failure {
    Failure {
        code,
        msg: msg.into(),
    }
}

/// Exit code and message for a library error; `input` names the encoder's input.
fn from_lib(e: zfec::Error, input: &str) -> Failure {
    use zfec::Error as E;
    let code = match &e {
        E::Params { .. } => 2,
        E::Header {
            source: HeaderError::ShareNumOutOfRange { .. },
            ..
        } => 9,
        E::Header { .. } | E::Truncated { .. } | E::Outvoted { .. } => 7,
        E::TooFewShares { .. } => 5,
        E::Mismatch { .. } | E::SizeMismatch { .. } => 6,
        E::DuplicateShare { .. } => 8,
        E::Read { .. } => 3,
        _ => 1,
    };
    let msg = match e {
        E::Read { name, source } if name == "the input" => format!("cannot read {input}: {source}"),
        e => e.to_string(),
    };
    failure(code, msg)
}

/// Terminal output: progress bar, verbose and normal messages (all on stderr, so
/// `decode -o -` keeps stdout for the data).
struct Ui {
    verbose: bool,
    quiet: bool,
}

/// Runs shorter than this get no progress bar.
const BAR_THRESHOLD: u64 = 8 << 20;

impl Ui {
    fn info(&self, msg: impl AsRef<str>) {
        if self.verbose {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// A bar that shows itself only on a terminal, and only once past
    /// [`BAR_THRESHOLD`] bytes (so short runs, and pipes of unknown size that stay
    /// short, print nothing).
    fn bar(&self, total: Option<u64>, what: &'static str) -> Bar {
        let enabled = !self.quiet && io::stderr().is_terminal();
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
        let style = match total {
            Some(_) => ProgressStyle::with_template(
                "{msg} [{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
            ),
            None => ProgressStyle::with_template("{msg} {spinner} {bytes} {binary_bytes_per_sec}"),
        };
        if let Ok(style) = style {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what);
        Bar {
            bar,
            enabled,
            shown: false,
        }
    }
}

struct Bar {
    bar: ProgressBar,
    enabled: bool,
    shown: bool,
}

impl Bar {
    fn set(&mut self, pos: u64) {
        self.bar.set_position(pos);
        if self.enabled && !self.shown && pos >= BAR_THRESHOLD {
            self.shown = true;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn rate(bytes: u64, start: Instant) -> String {
    let s = start.elapsed().as_secs_f64();
    format!(
        "{bytes} bytes in {s:.2} s ({:.1} MB/s)",
        bytes as f64 / s.max(1e-9) / 1e6
    )
}

/// Restores SIGPIPE's default (on Unix), so `fec decode -o - | head` ends quietly the
/// way `cat` does instead of with an I/O error; on SIGINT/SIGTERM/SIGHUP (Ctrl-C and
/// Ctrl-Break on Windows) removes the temporaries and exits 130.
fn install_signal_handlers() {
    // SAFETY: setting a signal's disposition to the default has no preconditions;
    // Rust's runtime set SIGPIPE to "ignore" at start-up and nothing relies on that.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let _ = ctrlc::set_handler(|| output::exit_interrupted());
}

fn encode(a: EncodeArgs, ui: &Ui) -> Result<(), Failure> {
    let (k, m) = (usize::from(a.k), usize::from(a.m));
    if k > m {
        let mut cmd = Cli::command();
        cmd.build();
        cmd.find_subcommand_mut("encode")
            .expect("encode is a subcommand")
            .clone()
            .error(
                clap::error::ErrorKind::ValueValidation,
                format!("k={k} must not exceed m={m} (1 <= k <= m <= 256)"),
            )
            .exit();
    }
    let stdin = a.input.as_os_str() == "-";
    let shown = if stdin {
        "standard input".to_string()
    } else {
        a.input.display().to_string()
    };
    let (input, size, default_prefix): (Box<dyn Read>, Option<u64>, OsString) = if stdin {
        (Box::new(io::stdin().lock()), None, "stdin".into())
    } else {
        let (f, meta) = open_readable(&a.input)?;
        // The name's bytes as they are (zfec's share names), UTF-8 or not.
        let base = a
            .input
            .file_name()
            .map_or_else(|| "stdin".into(), OsStr::to_os_string);
        let size = meta.is_file().then_some(meta.len());
        (Box::new(f), size, base)
    };
    let prefix = a.prefix.unwrap_or(default_prefix);
    if prefix.is_empty() {
        return Err(failure(2, "the share file prefix must not be empty"));
    }
    match fs::metadata(&a.dir) {
        Ok(d) if d.is_dir() => {}
        Ok(_) => {
            return Err(failure(
                1,
                format!("output directory {} is not a directory", a.dir.display()),
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(failure(
                1,
                format!("output directory {} does not exist", a.dir.display()),
            ))
        }
        Err(e) => {
            return Err(failure(
                1,
                format!("output directory {}: {e}", a.dir.display()),
            ))
        }
    }
    let in_dir = |name: OsString| {
        if a.dir.as_os_str() == "." {
            PathBuf::from(name)
        } else {
            a.dir.join(name)
        }
    };
    let names: Vec<PathBuf> = (0..m)
        .map(|i| in_dir(zfec::share_file_os_name(&prefix, i, m, &a.suffix)))
        .collect();
    // Beside the shares: the prefix may hold a directory part.
    let lock = algorithm_fec::output::share_set_lock(
        names[0].parent().unwrap_or(Path::new("")),
        Path::new(&prefix).file_name().unwrap_or_default(),
    );
    let out = ShareSetOutput::create(&names, Some(lock), &output::options(a.force))?;
    ui.info(format!(
        "encoding {shown}{} into {m} shares, any {k} of which rebuild it",
        size.map(|s| format!(" ({s} bytes)")).unwrap_or_default()
    ));
    let start = Instant::now();
    let mut bar = ui.bar(size, "encoding");
    let mut writers = out.writers();
    let r = zfec::encode(k, m, input, &mut writers, &mut |p| bar.set(p));
    bar.finish();
    let enc = match r {
        Ok(enc) => enc,
        Err(e) => {
            return Err(out
                .write_failure(&writers)
                .map_or_else(|| from_lib(e, &shown), Failure::from))
        }
    };
    drop(writers);
    out.commit()?;
    for n in &names {
        ui.info(format!("wrote {} ({} bytes)", n.display(), enc.share_len));
    }
    ui.info(format!(
        "encoded {}; padlen {}",
        rate(enc.size, start),
        enc.padlen
    ));
    Ok(())
}

/// The lock file (and beside it the journal) of the share set `DIR/PREFIX.*`:
/// `DIR/.PREFIX.lock`.
/// Before shares are read: for each share name of the form `DIR/PREFIX.NN_MM...`
/// whose set has the journal of an `encode` that died mid-way, finishes or undoes
/// that run under its lock, so the names hold one whole set (never a mix of two).
fn recover_share_sets(shares: &[PathBuf], ui: &Ui) -> Result<(), Failure> {
    for (set, what) in output::recover_share_sets(shares)? {
        let what = match what {
            Recovered::Finished => "finished: its new shares are in place",
            Recovered::Undone => "undone: the old shares are back",
            Recovered::Abandoned => "cleaned up: it had not replaced any share",
        };
        if !ui.quiet {
            eprintln!(
                "fec: an interrupted `encode` of {} was {what}",
                set.display()
            );
        }
    }
    Ok(())
}

/// Opens a file to read, refusing a directory (exit 3). Returns it with its metadata.
fn open_readable(p: &Path) -> Result<(File, fs::Metadata), Failure> {
    let unreadable = |e: io::Error| failure(3, format!("cannot read {}: {e}", p.display()));
    let directory = || failure(3, format!("cannot read {}: it is a directory", p.display()));
    let f = File::open(p).map_err(|e| match fs::metadata(p) {
        // Windows refuses to open a directory as a file: say why, as on Unix.
        Ok(m) if m.is_dir() => directory(),
        _ => unreadable(e),
    })?;
    let meta = f.metadata().map_err(unreadable)?;
    if meta.is_dir() {
        return Err(directory());
    }
    Ok((f, meta))
}

/// Opens and checks share files: regular files (their length is part of the
/// format), distinct, with valid headers, of one file.
fn open_shares(paths: &[PathBuf]) -> Result<ShareSet<File>, Failure> {
    let mut ids = Vec::new();
    let mut shares = Vec::new();
    for p in paths {
        let name = p.display().to_string();
        // Checked before opening: opening a FIFO would wait for a writer.
        if let Ok(meta) = fs::metadata(p) {
            if !meta.is_file() && !meta.is_dir() {
                return Err(not_a_share(&name, meta.file_type()));
            }
        }
        let (f, meta) = open_readable(p)?;
        if !meta.is_file() {
            return Err(not_a_share(&name, meta.file_type()));
        }
        // The identity of the file, to catch one file given twice under two names.
        let id = algorithm_fec::output::file_id(&f, &meta)
            .map_err(|e| failure(3, format!("cannot read {name}: {e}")))?;
        if let Some((_, first)) = ids.iter().find(|(i, _)| *i == id) {
            return Err(failure(
                8,
                format!("{name} and {first} are the same file: each share may be given only once"),
            ));
        }
        ids.push((id, name.clone()));
        shares.push(Share::open(name, f, meta.len()).map_err(|e| from_lib(e, ""))?);
    }
    ShareSet::new(shares).map_err(|e| from_lib(e, ""))
}

fn not_a_share(name: &str, ft: fs::FileType) -> Failure {
    failure(
        3,
        format!(
            "cannot read {name}: it is {}; a share must be a regular file",
            output::kind(ft)
        ),
    )
}

fn describe(set: &ShareSet<File>) -> String {
    format!(
        "{} shares of a {}-byte file (k={}, m={}, padlen={})",
        set.shares().len(),
        set.output_len(),
        set.k(),
        set.m(),
        set.padlen()
    )
}

fn decode(a: DecodeArgs, ui: &Ui) -> Result<(), Failure> {
    recover_share_sets(&a.shares, ui)?;
    let start = Instant::now();
    let decoded = write_output(&a.output, a.force, |w| {
        let set = open_shares(&a.shares)?;
        ui.info(describe(&set));
        let (k, given) = (set.k(), set.shares().len());
        ui.info(if given > k {
            format!(
                "decoding from all {given} shares, checking them against each other: \
                 up to {} bad share(s) corrected at any byte",
                (given - k) / 2
            )
        } else {
            format!(
                "decoding from {}: with only k shares nothing can be checked",
                set.shares()
                    .iter()
                    .map(|s| format!("{} (share {})", s.name(), s.header().sharenum))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        let mut bar = ui.bar(Some(set.output_len()), "decoding");
        let r = set.decode_correcting(w, &mut |p| bar.set(p));
        bar.finish();
        r.map_err(|e| match e {
            e @ zfec::Error::Uncorrectable { .. } => failure(
                10,
                format!(
                    "{e}; nothing written. Give more shares (two spares per bad share), \
                     or run `fec verify` with k+2 or more to name a bad share"
                ),
            ),
            e => from_lib(e, ""),
        })
    })?;
    // Also with --quiet: the output is right, but a share is not.
    for s in &decoded.corrected {
        eprintln!(
            "fec: corrected: {} (share {}): {} {} wrong, the first at byte {}; the output is exact",
            s.name,
            s.sharenum,
            s.bad_bytes,
            if s.bad_bytes == 1 { "byte" } else { "bytes" },
            s.first_bad_offset.unwrap_or(0)
        );
    }
    ui.info(format!("decoded {}", rate(decoded.written, start)));
    Ok(())
}

fn verify(a: VerifyArgs, ui: &Ui) -> Result<bool, Failure> {
    recover_share_sets(&a.shares, ui)?;
    let set = open_shares(&a.shares)?;
    let what = describe(&set);
    ui.info(&what);
    let start = Instant::now();
    let mut bar = ui.bar(Some(set.output_len()), "verifying");
    let r = set.verify(&mut |p| bar.set(p));
    bar.finish();
    let report = r.map_err(|e| from_lib(e, ""))?;
    ui.info(format!("verified {}", rate(report.size, start)));
    if ui.verbose {
        for s in &report.shares {
            eprintln!(
                "  share {:>3} {}: {}",
                s.sharenum,
                s.name,
                if s.bad_bytes == 0 { "ok" } else { "BAD" }
            );
        }
    }
    if report.is_consistent() {
        if !ui.quiet {
            if report.compared {
                println!("OK: {what} agree");
            } else {
                println!(
                    "OK: {what} decode, but with only k shares there is nothing to compare them with; give more than k"
                );
            }
        }
        return Ok(true);
    }
    for s in report.bad_shares() {
        eprintln!(
            "fec: {} (share {}) is corrupt: {} {} from what the other shares say, the first at byte {}",
            s.name,
            s.sharenum,
            s.bad_bytes,
            if s.bad_bytes == 1 { "byte differs" } else { "bytes differ" },
            s.first_bad_offset.unwrap_or(0)
        );
    }
    if !report.unattributed.is_empty() {
        let bytes: u64 = report.unattributed.iter().map(|r| r.end - r.start).sum();
        let first = &report.unattributed[0];
        eprintln!(
            "fec: the shares disagree in {bytes} data bytes (first range {}..{} after the header) and no single share explains it{}",
            first.start,
            first.end,
            if report.shares.len() == report.k + 1 {
                ": with only k+1 shares a bad share cannot be told; give more"
            } else {
                ": more than one share is bad there"
            }
        );
    }
    if !report.padding_ok {
        eprintln!("fec: the padding at the end of the file does not decode to zeros: some share is corrupt");
    }
    eprintln!("fec: verify failed: {what} do not agree");
    Ok(false)
}

/// Opens FILE or standard input; with its size if it is a regular file.
fn open_input(p: &Path) -> Result<(Box<dyn Read>, Option<u64>), Failure> {
    if p == Path::new("-") {
        return Ok((Box::new(io::stdin().lock()), None));
    }
    let (f, meta) = open_readable(p)?;
    Ok((Box::new(f), meta.is_file().then_some(meta.len())))
}

/// A reader that moves a progress bar by the bytes read through it: the RS file
/// functions take no progress callback, and reading is their pace.
struct Progress<'a, R> {
    inner: R,
    read: u64,
    bar: &'a mut Bar,
}

impl<'a, R: Read> Progress<'a, R> {
    /// `inner` buffered, so the bar moves once per 1 MiB read rather than per call.
    fn buffered(inner: R, bar: &'a mut Bar) -> io::BufReader<Self> {
        let counted = Progress {
            inner,
            read: 0,
            bar,
        };
        io::BufReader::with_capacity(1 << 20, counted)
    }
}

impl<R: Read> Read for Progress<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.bar.set(self.read);
        Ok(n)
    }
}

/// A path for messages, `-` as `stdio`.
fn shown(p: &Path, stdio: &str) -> String {
    if p == Path::new("-") {
        stdio.to_string()
    } else {
        p.display().to_string()
    }
}

/// Exit code and message for an RS container error; `input` and `output` are the
/// command's FILE and OUT.
fn from_rs(e: FileError, input: &Path, output: &Path) -> Failure {
    let input_name = shown(input, "standard input");
    match e {
        FileError::Read(e) => failure(3, format!("cannot read {input_name}: {e}")),
        FileError::Write(e) => failure(
            1,
            format!("cannot write {}: {e}", shown(output, "standard output")),
        ),
        e @ (FileError::Rs(_) | FileError::InvalidDepth(_) | FileError::GroupTooSmall { .. }) => {
            failure(2, e.to_string())
        }
        e @ (FileError::Damaged(_) | FileError::BadTrailer | FileError::ForeignTrailer) => {
            failure(11, format!("{input_name}: {e}"))
        }
        e @ FileError::ChecksumMismatch(_) => failure(12, format!("{input_name}: {e}")),
        e @ FileError::Random(_) => failure(1, e.to_string()),
        e => failure(7, format!("{input_name}: {e}")),
    }
}

fn rs_encode(a: RsEncodeArgs, ui: &Ui) -> Result<(), Failure> {
    let (n, k, depth) = (
        usize::from(a.n),
        usize::from(a.k),
        usize::from(a.interleave),
    );
    if k >= n {
        return Err(failure(2, format!("k ({k}) must be below n ({n})")));
    }
    // Parameters first, so a bad one never waits for a pipe or leaves a file.
    rs::file::protected_len(0, n, k, depth).map_err(|e| from_rs(e, &a.input, &a.output))?;
    let (input, size) = open_input(&a.input)?;
    let start = Instant::now();
    let mut bar = ui.bar(size, "protecting");
    let report = write_output(&a.output, a.force, |w| {
        let r = rs::protect_file(Progress::buffered(input, &mut bar), w, n, k, depth);
        bar.finish();
        r.map_err(|e| from_rs(e, &a.input, &a.output))
    })?;
    ui.info(format!(
        "RS({n},{k}), interleave depth {depth}: {} codewords, {} bytes written; read {}; \
         fixes up to {} bad bytes per codeword or a burst of {}",
        report.codewords,
        report.written,
        rate(report.length, start),
        (n - k) / 2,
        depth * ((n - k) / 2)
    ));
    Ok(())
}

/// Repairs into `w`; with `spool`, into an unnamed temporary first, copied to `w` only
/// once verified (or, for `--best-effort`, once complete).
fn repair_into(
    input: impl Read,
    w: &mut dyn Write,
    spool: bool,
    best_effort: bool,
) -> Result<rs::RepairReport, FileError> {
    if !spool {
        return rs::repair_file(input, w);
    }
    // Errors here are the temporary's, not the output's: say so.
    let spool_err = |e: io::Error| {
        FileError::Write(io::Error::new(
            e.kind(),
            format!("the temporary file that holds it until verified: {e}"),
        ))
    };
    let mut tmp = tempfile::tempfile().map_err(spool_err)?;
    let r = match rs::repair_file(input, io::BufWriter::with_capacity(1 << 20, &mut tmp)) {
        Err(FileError::Write(e)) => return Err(spool_err(e)),
        r => r,
    };
    let complete = matches!(
        r,
        Ok(_) | Err(FileError::Damaged(_) | FileError::ChecksumMismatch(_))
    );
    if r.is_ok() || (best_effort && complete) {
        use std::io::Seek;
        tmp.rewind().map_err(spool_err)?;
        io::copy(&mut tmp, w).map_err(FileError::Write)?;
    }
    r
}

fn rs_decode(a: RsDecodeArgs, ui: &Ui) -> Result<(), Failure> {
    let (input, size) = open_input(&a.input)?;
    // Verified only at the end: a stream gets the data only then.
    let spool = output::is_stream(&a.output);
    let mut bar = ui.bar(size, "repairing");
    let outcome = write_output(&a.output, a.force, |w| {
        let r = repair_into(Progress::buffered(input, &mut bar), w, spool, a.best_effort);
        bar.finish();
        match r {
            Ok(report) => Ok(Ok(report)),
            Err(e @ (FileError::Damaged(_) | FileError::ChecksumMismatch(_))) => {
                if a.best_effort {
                    // Keep the output: the error is reported once it is in place.
                    return Ok(Err(e));
                }
                let mut f = from_rs(e, &a.input, &a.output);
                f.msg
                    .push_str("; nothing written (--best-effort writes it anyway)");
                Err(f)
            }
            Err(e) => Err(from_rs(e, &a.input, &a.output)),
        }
    })?;
    let report = outcome.map_err(|e| {
        let mut f = from_rs(e, &a.input, &a.output);
        f.msg.push_str(&format!(
            "; --best-effort: written anyway to {}, those ranges as found",
            shown(&a.output, "standard output")
        ));
        f
    })?;
    let fixed =
        report.corrected_bytes + (report.header_corrected + report.trailer_corrected) as u64;
    if !ui.quiet {
        eprintln!(
            "fec: RS({},{}), interleave depth {}: {} bytes restored and verified (BLAKE3); fixed {fixed} corrupted bytes in {} of {} codewords",
            report.n, report.k, report.depth, report.length, report.corrected_codewords, report.codewords
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    install_signal_handlers();
    let cli = Cli::parse();
    let no_fsync = match cli.cmd.write_opts() {
        Some(w) => cli.write.no_fsync || w.no_fsync,
        None if cli.write.no_fsync => Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "--no-fsync is for the subcommands that write (encode, decode, rs-encode, \
                 rs-decode); verify writes nothing",
            )
            .exit(),
        None => false,
    };
    let env = algorithm_fec::kernels::check_env()
        .map(drop)
        .map_err(|e| e.to_string())
        .and_then(|()| algorithm_fec::code::check_path_env().map_err(|e| e.to_string()));
    if let Err(e) = env {
        eprintln!("fec: {e}");
        return ExitCode::from(2);
    }
    output::set_fsync(!no_fsync);
    let ui = Ui {
        verbose: cli.verbose,
        quiet: cli.quiet,
    };
    let r = match cli.cmd {
        Cmd::Encode(a) => encode(a, &ui).map(|()| true),
        Cmd::Decode(a) => decode(a, &ui).map(|()| true),
        Cmd::Verify(a) => verify(a, &ui),
        Cmd::RsEncode(a) => rs_encode(a, &ui).map(|()| true),
        Cmd::RsDecode(a) => rs_decode(a, &ui).map(|()| true),
    };
    match r {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(10),
        Err(f) => {
            let _ = io::stdout().flush();
            eprintln!("fec: {}", f.msg);
            ExitCode::from(f.code)
        }
    }
}
