//! Solving for lost data blocks: the quadratic path and the two convolution paths.

use std::sync::OnceLock;

use super::log_sums::{LogSums, CONVOLVE_FROM_E};
use super::*;

/// The two linear maps of one decode, with the same e lost data indices:
///
/// 1. c'_q = c_q ⊕ Σ_{m present} L_m(x_{check q}) · d_m  (removes the known data)
/// 2. d_lost = M⁻¹ · c', M[q][i] = L_{lost i}(x_{check q})
///
/// M = diag(P(a)) · C · diag(w_b) with C[q][i] = 1/(a_q − b_i) a Cauchy matrix, so
/// M⁻¹[i][q] = (1/w_{b_i}) · (A(b_i)/B'(b_i)) · 1/(a_q − b_i) · (B(a_q)/A'(a_q)) / P(a_q)
/// with A, B the polynomials with roots a (check points) and b (lost points).
pub(super) struct Solver<'c> {
    pub(super) code: &'c Code,
    present: Vec<usize>,
    pub(super) lost: Vec<usize>,
    /// Points of the lost data indices (b) and of the checks replacing them (a).
    b: Vec<u16>,
    a: Vec<u16>,
    checks: Vec<usize>,
    /// Log-domain scale of row i and column q of M⁻¹.
    row_scale: Vec<u64>,
    col_scale: Vec<u64>,
    /// The scales of [`Solver::run_interp`], made at its first use.
    interp: OnceLock<Interp>,
}

impl<'c> Solver<'c> {
    pub(super) fn new(code: &'c Code, present: &[usize], lost: &[usize], checks: &[usize]) -> Self {
        let q = u64::from(code.t.q);
        let a: Vec<u16> = checks.iter().map(|&c| code.point(c)).collect();
        let b: Vec<u16> = lost.iter().map(|&l| code.point(l)).collect();
        let e = a.len();
        let LogSums {
            a_of_b,
            b_of_a,
            da,
            db,
        } = LogSums::new(&code.t, &a, &b);
        let row_scale = (0..e)
            .map(|i| (a_of_b[i] + 2 * q - u64::from(code.wlog[lost[i]]) - db[i]) % q)
            .collect();
        let col_scale = (0..e)
            .map(|qi| (b_of_a[qi] + 2 * q - da[qi] - u64::from(code.plog[checks[qi] - code.k])) % q)
            .collect();
        Solver {
            code,
            present: present.to_vec(),
            lost: lost.to_vec(),
            b,
            a,
            checks: checks.to_vec(),
            row_scale,
            col_scale,
            interp: OnceLock::new(),
        }
    }

    fn e(&self) -> usize {
        self.a.len()
    }

    /// Stage 1 row for check q: its coefficients over the present data blocks.
    fn fill_stage1(&self, qi: usize, row: &mut [u16]) {
        self.code.fill_row(self.checks[qi], &self.present, row);
    }

    /// Stage 2 row for lost index i: M⁻¹[i][·].
    pub(super) fn fill_stage2(&self, i: usize, row: &mut [u16]) {
        let t = &self.code.t;
        let q = u64::from(t.q);
        for (qi, c) in row.iter_mut().enumerate() {
            let l = self.row_scale[i] + self.col_scale[qi] + q
                - self.code.log_diff(self.a[qi], self.b[i]);
            *c = t.exp(l);
        }
    }

    /// Runs both stages; with the `parallel` feature a big decode is cut by length
    /// across threads (each piece an independent decode of its bytes).
    pub(super) fn run(&self, srcs: &[&[u8]], dsts: &mut [&mut [u8]], len: usize) {
        #[cfg(feature = "parallel")]
        if kernels::split(len, len * self.code.k, dsts, |start, end, d| {
            let s: Vec<&[u8]> = srcs.iter().map(|s| &s[start..end]).collect();
            self.run_piece(&s, d, end - start);
        }) {
            return;
        }
        self.run_piece(srcs, dsts, len);
    }

    /// Decodes stripe by stripe, by the path the cost model picks: quadratic, or by
    /// convolution in two stages or in one interpolation.
    fn run_piece(&self, srcs: &[&[u8]], dsts: &mut [&mut [u8]], len: usize) {
        let Some(spans) = self.spans() else {
            return self.run_quadratic(srcs, dsts, len);
        };
        let symbols = len / spans.field.symbol_bytes();
        let (two, one) = (spans.cost(), spans.interp_cost(symbols));
        if !convolve(spans.field, self.quadratic_cost(), two.min(one)) {
            self.run_quadratic(srcs, dsts, len)
        } else if one < two {
            self.run_interp(&spans, srcs, dsts, len)
        } else {
            self.run_conv(&spans, srcs, dsts, len)
        }
    }

    /// Block multiply-adds of the quadratic path.
    pub(super) fn quadratic_cost(&self) -> f64 {
        (self.e() * (self.present.len() + self.e())) as f64
    }

    /// The index ranges the convolution path works on; `None` when every lost block
    /// is data block 0 (nothing to convolve).
    pub(super) fn spans(&self) -> Option<Spans> {
        let lost = *self.lost.iter().find(|&&l| l >= 1)?;
        let known = self.present.iter().find(|&&p| p >= 1).copied().unwrap_or(1);
        let (check, last) = (*self.checks.iter().min()?, *self.checks.iter().max()?);
        Some(Spans {
            receiveds: last + 1 - known,
            k: self.code.k,
            field: self.code.field,
            check,
            checks: last + 1 - check,
            known,
            knowns: self
                .present
                .last()
                .map_or(0, |&p| (p + 1).saturating_sub(known)),
            lost,
            losts: self.lost[self.e() - 1] + 1 - lost,
            e: self.e(),
            zero_known: self.present.first() == Some(&0),
        })
    }

    /// Both stages by block scalings and two Toeplitz products, stripe by stripe.
    /// With u_m = w_m·α^−(m−1)·d_m for the known data m ≥ 1 and cs_q the column
    /// scale of check q (at index C_q, point a_q), the quadratic path's stage 1 is
    ///
    /// ```text
    /// v_q = cs_q · ( c_q ⊕ P(a_q)·Σ_m h(C_q − m)·u_m ⊕ P(a_q)·w_0·α^−(C_q−1)·d_0 )
    /// ```
    ///
    /// (the d_0 term when data block 0 is known), and its stage 2, for a lost
    /// L ≥ 1 with row scale rs, since 1/(a_q − x_L) = α^−(L−1)·h(C_q − L):
    ///
    /// ```text
    /// d_L = rs·α^−(L−1) · Σ_q h(C_q − L)·v_q        d_0 = rs_0 · Σ_q α^−(C_q−1)·v_q
    /// ```
    fn run_conv(&self, sp: &Spans, srcs: &[&[u8]], dsts: &mut [&mut [u8]], len: usize) {
        let code = self.code;
        let (k, field) = (code.k, code.field);
        // The buffers, and the products' scratch (about 3 × their smaller sides).
        let stripe = conv_stripe(len, sp.knowns + 5 * sp.checks + sp.losts);
        // Stage 1's inputs: the known data ≥ 1 in the span, scaled; the lost ones are
        // read from a block of zeros (scale 0).
        let mut uscale = vec![0u16; sp.knowns];
        for &m in self.present.iter().filter(|&&m| m >= 1) {
            uscale[m - sp.known] = code.alpha(i64::from(code.wlog[m]) - (m as i64 - 1));
        }
        let zero = vec![0u8; stripe];
        // Its outputs, scaled by P(a_q)·cs_q, are added to v; the slots of indices
        // that are not among the checks get 0 and stay zero.
        let mut zscale = vec![0u16; sp.checks];
        for (qi, &c) in self.checks.iter().enumerate() {
            zscale[c - sp.check] =
                code.alpha(self.col_scale[qi] as i64 + i64::from(code.plog[c - k]));
        }
        // Stage 2's outputs go straight to the lost blocks ≥ 1, scaled; the indices
        // in the span that are not lost go to scratch (scale 0).
        let mut yscale = vec![0u16; sp.losts];
        for (i, &l) in self.lost.iter().enumerate().filter(|&(_, &l)| l >= 1) {
            yscale[l - sp.lost] = code.alpha(self.row_scale[i] as i64 - (l as i64 - 1));
        }
        let mut v = vec![0u8; sp.checks * stripe];
        let mut scratch = vec![0u8; self.lost_gaps(sp) * stripe];
        let mut work = code.work.take();
        for start in (0..len).step_by(stripe) {
            let end = len.min(start + stripe);
            let width = end - start;
            let mut us: Vec<&[u8]> = vec![&zero[..width]; sp.knowns];
            for (&m, s) in self.present.iter().zip(srcs) {
                if m >= 1 {
                    us[m - sp.known] = &s[start..end];
                }
            }
            let mut vs = slots(&mut v, stripe, width);
            for (qi, &c) in self.checks.iter().enumerate() {
                let cs = self.col_scale[qi] as i64;
                let csp = cs + i64::from(code.plog[c - k]);
                let coeffs = [
                    code.alpha(cs),
                    code.alpha(csp + i64::from(code.wlog[0]) - (c as i64 - 1)),
                ];
                let zero_src: &[u8] = match sp.zero_known {
                    true => &srcs[0][start..end],
                    false => &[],
                };
                let inputs = [&dsts[qi][start..end], zero_src];
                let n = if sp.zero_known { 2 } else { 1 };
                combine(field, &coeffs[..n], &inputs[..n], vs[c - sp.check]);
            }
            let shift = sp.check as i64 - sp.known as i64;
            let scales = conv::Scales {
                input: Some(&uscale),
                output: Some(&zscale),
                sum: false,
            };
            conv::mul(
                field,
                |d| code.h(shift + d as i64),
                &us,
                &mut vs,
                scales,
                true,
                &mut work,
            );
            let vs: Vec<&[u8]> = vs.into_iter().map(|b| &*b).collect();
            let (zero_lost, rest) = self.split_zero(dsts);
            {
                let mut ys = self.lost_span(sp, rest, start..end, &mut scratch, stripe);
                let shift = sp.check as i64 - sp.lost as i64;
                let scales = conv::Scales {
                    input: None,
                    output: Some(&yscale),
                    sum: false,
                };
                conv::mul(
                    field,
                    |d| code.h(shift - d as i64),
                    &vs,
                    &mut ys,
                    scales,
                    false,
                    &mut work,
                );
            }
            if let Some(dst) = zero_lost {
                let rs = self.row_scale[0] as i64;
                let coeffs: Vec<u16> = self
                    .checks
                    .iter()
                    .map(|&c| code.alpha(rs - (c as i64 - 1)))
                    .collect();
                let inputs: Vec<&[u8]> = self.checks.iter().map(|&c| vs[c - sp.check]).collect();
                combine(field, &coeffs, &inputs, &mut dst[start..end]);
            }
        }
        code.work.put(work);
    }

    /// Places in the span of the lost blocks ≥ 1 that hold no lost block.
    fn lost_gaps(&self, sp: &Spans) -> usize {
        sp.losts - self.lost.iter().filter(|&&l| l >= 1).count()
    }

    /// The outputs (one per lost block, in order) as data block 0's, if it is lost,
    /// and the others.
    fn split_zero<'a, 'b>(
        &self,
        dsts: &'a mut [&'b mut [u8]],
    ) -> (Option<&'a mut &'b mut [u8]>, &'a mut [&'b mut [u8]]) {
        match self.lost.first() {
            Some(0) => {
                let (first, rest) = dsts.split_at_mut(1);
                (first.first_mut(), rest)
            }
            _ => (None, dsts),
        }
    }

    /// Bytes `range` of the outputs over the span of the lost blocks ≥ 1: those of
    /// `rest` (the lost blocks ≥ 1, in order), and [`Solver::lost_gaps`] slots of
    /// `scratch` (`stride` bytes apart) for the places in between.
    fn lost_span<'a>(
        &self,
        sp: &Spans,
        rest: &'a mut [&mut [u8]],
        range: std::ops::Range<usize>,
        scratch: &'a mut [u8],
        stride: usize,
    ) -> Vec<&'a mut [u8]> {
        let width = range.len();
        let given = (self.lost.iter().filter(|&&l| l >= 1))
            .zip(rest.iter_mut())
            .map(|(&l, dst)| (l - sp.lost, &mut dst[range.clone()]));
        fill_gaps(sp.losts, given, scratch, stride, width)
    }

    /// The lost data by one Toeplitz product from all received blocks ([`Interp`]),
    /// stripe by stripe. The checks are copied out first: their buffers receive lost
    /// data.
    fn run_interp(&self, sp: &Spans, srcs: &[&[u8]], dsts: &mut [&mut [u8]], len: usize) {
        let (code, e) = (self.code, self.e());
        let field = code.field;
        let it = self.interp.get_or_init(|| Interp::new(self, sp));
        let stripe = conv_stripe(len, sp.receiveds + e + sp.losts);
        let zero = vec![0u8; stripe];
        let mut v = vec![0u8; e * stripe];
        let mut scratch = vec![0u8; self.lost_gaps(sp) * stripe];
        let mut work = code.work.take();
        for start in (0..len).step_by(stripe) {
            let end = len.min(start + stripe);
            let width = end - start;
            let mut vs = slots(&mut v, stripe, width);
            for (c, d) in vs.iter_mut().zip(dsts.iter()) {
                c.copy_from_slice(&d[start..end]);
            }
            let known = (self.present.iter().zip(srcs))
                .filter(|(&m, _)| m >= 1)
                .map(|(_, s)| &s[start..end]);
            let recv: Vec<&[u8]> = known.chain(vs.iter().map(|c| &**c)).collect();
            let mut us: Vec<&[u8]> = vec![&zero[..width]; sp.receiveds];
            for (&r, &block) in it.received.iter().zip(&recv) {
                us[r - sp.known] = block;
            }
            let (zero_lost, rest) = self.split_zero(dsts);
            let mut ys = self.lost_span(sp, rest, start..end, &mut scratch, stripe);
            // Data block 0, lost, is the sum's output.
            let sum = match zero_lost {
                Some(dst) => {
                    ys.push(&mut dst[start..end]);
                    true
                }
                None => false,
            };
            let shift = sp.lost as i64 - sp.known as i64;
            let scales = conv::Scales {
                input: Some(&it.input),
                output: Some(&it.output),
                sum,
            };
            conv::mul(
                field,
                |d| code.h(shift + d as i64),
                &us,
                &mut ys,
                scales,
                false,
                &mut work,
            );
            if self.present.first() == Some(&0) {
                let mut outs: Vec<&mut [u8]> =
                    rest.iter_mut().map(|d| &mut d[start..end]).collect();
                kernels::dot(
                    field,
                    &it.from_zero,
                    &[&srcs[0][start..end]],
                    &mut outs,
                    true,
                );
            }
        }
        code.work.put(work);
    }

    /// Runs both stages stripe by stripe; extra memory is e × stripe bytes.
    fn run_quadratic(&self, srcs: &[&[u8]], dsts: &mut [&mut [u8]], len: usize) {
        let e = self.e();
        let field = self.code.field;
        let m = self.present.len();
        let cache = |rows: usize, cols: usize, fill: &dyn Fn(usize, &mut [u16])| {
            (rows * cols <= MAX_CACHED_COEFFS).then(|| {
                let mut v = vec![0u16; rows * cols];
                for (r, row) in v.chunks_mut(cols.max(1)).enumerate() {
                    fill(r, row);
                }
                v
            })
        };
        let stage1 = cache(e, m, &|r, row| self.fill_stage1(r, row));
        let stage2 = cache(e, e, &|r, row| self.fill_stage2(r, row));
        let stripe = ((1 << 20) / e).clamp(1024, 64 * 1024) / KERNEL_STEP * KERNEL_STEP;
        let mut temp = vec![0u8; e * stripe.min(len)];
        let mut start = 0;
        while start < len {
            let end = len.min(start + stripe);
            let width = end - start;
            let mut d: Vec<&mut [u8]> = dsts.iter_mut().map(|d| &mut d[start..end]).collect();
            if m > 0 {
                let s: Vec<&[u8]> = srcs.iter().map(|s| &s[start..end]).collect();
                self.apply(
                    field,
                    stage1.as_deref(),
                    m,
                    &|r, row| self.fill_stage1(r, row),
                    &s,
                    &mut d,
                    true,
                );
            }
            let mut t: Vec<&mut [u8]> = temp.chunks_mut(width).take(e).collect();
            for (t, d) in t.iter_mut().zip(d.iter()) {
                t.copy_from_slice(d);
            }
            let t: Vec<&[u8]> = t.into_iter().map(|t| &*t).collect();
            self.apply(
                field,
                stage2.as_deref(),
                e,
                &|r, row| self.fill_stage2(r, row),
                &t,
                &mut d,
                false,
            );
            start = end;
        }
    }

    /// `dsts = [dsts ⊕] rows · srcs`, from cached rows or rows made batch by batch.
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &self,
        field: Field,
        cached: Option<&[u16]>,
        cols: usize,
        fill: &dyn Fn(usize, &mut [u16]),
        srcs: &[&[u8]],
        dsts: &mut [&mut [u8]],
        add: bool,
    ) {
        if let Some(c) = cached {
            kernels::dot(field, c, srcs, dsts, add);
            return;
        }
        let batch = (MAX_CACHED_COEFFS / cols).max(1);
        let mut coeffs = vec![0u16; batch * cols];
        for (b, chunk) in dsts.chunks_mut(batch).enumerate() {
            let coeffs = &mut coeffs[..chunk.len() * cols];
            for (r, row) in coeffs.chunks_mut(cols).enumerate() {
                fill(b * batch + r, row);
            }
            kernels::dot(field, coeffs, srcs, chunk, add);
        }
    }
}

/// Where a decode's convolutions run: the first index and the length of the range of
/// the checks, of the known data ≥ 1 and of the lost data ≥ 1.
pub(super) struct Spans {
    /// The received blocks ≥ 1 (known data and checks, from `known`: checks come
    /// after all data) for [`Solver::run_interp`].
    receiveds: usize,
    k: usize,
    field: Field,
    check: usize,
    checks: usize,
    known: usize,
    knowns: usize,
    lost: usize,
    losts: usize,
    e: usize,
    zero_known: bool,
}

impl Spans {
    /// Estimated block multiply-adds of [`Solver::run_conv`].
    pub(super) fn cost(&self) -> f64 {
        conv::cost(self.field, self.checks, self.knowns)
            + conv::cost(self.field, self.losts, self.checks)
            + (self.knowns + 4 * self.e) as f64
    }

    /// Estimated block multiply-adds of [`Solver::run_interp`] on blocks of
    /// `symbols` symbols, with its setup: the log sums over all k received points
    /// (O(k²) directly, or a convolution costing about as much as at
    /// [`CONVOLVE_FROM_E`]), each sum term weighed as [`SCALAR_WEIGHT`] symbols of a
    /// block multiply-add. Infinite where the sums would overflow (k > 2^15 in
    /// GF(2^16)).
    fn interp_cost(&self, symbols: usize) -> f64 {
        let q = self.field.size() as u64 - 1;
        if (self.k as u64) * (q - 1) >= 1 << 31 {
            return f64::INFINITY;
        }
        let (k, e) = (self.k as f64, self.e as f64);
        let terms = match self.k.max(self.e) >= CONVOLVE_FROM_E {
            true => (CONVOLVE_FROM_E as f64).powi(2),
            false => k * e + (k * k + e * e) / 2.0,
        };
        conv::cost(self.field, self.losts, self.receiveds)
            + k
            + 2.0 * e
            + terms * SCALAR_WEIGHT / symbols.max(1) as f64
    }
}

/// The scales of the one-product decode ([`Solver::run_interp`]): the lost data are
/// the values at their points of the polynomial through all k received blocks
/// (Lagrange, with W = Π_{r received} (x − x_r)):
///
/// ```text
/// d_L = W(x_L) · Σ_r c_r / (W'(x_r)·(x_L − x_r)),   1/(x_L − x_r) = α^−(r−1)·h(L − r)
/// ```
///
/// one Toeplitz product from the received blocks ≥ 1 to the lost ones ≥ 1, with
/// input scales α^−(r−1)/W'(x_r) and output scales W(x_L); a received data block 0
/// (x_0 = 0) adds W(x_L)/(W'(0)·x_L)·d_0 to each, and a lost one is
/// W(0)·Σ_r c_r/(W'(x_r)·x_r): W(0) times the sum of the scaled inputs, which the
/// product gives as well ([`conv::Scales::sum`]).
struct Interp {
    /// The received indices ≥ 1: the known data, then the checks.
    received: Vec<usize>,
    /// Per place from the span's first received index: the input scale, 0 where
    /// nothing is received.
    input: Vec<u16>,
    /// Per place from the first lost index ≥ 1: W(x_L), 0 where nothing is lost;
    /// then W(0) if data block 0 is lost.
    output: Vec<u16>,
    /// With data block 0 received: its coefficient in each lost block (lost order).
    from_zero: Vec<u16>,
}

impl Interp {
    fn new(s: &Solver, sp: &Spans) -> Interp {
        let code = s.code;
        let received: Vec<usize> = (s.present.iter().copied().filter(|&m| m >= 1))
            .chain(s.checks.iter().copied())
            .collect();
        let a: Vec<u16> = received.iter().map(|&r| code.point(r)).collect();
        let LogSums { a_of_b, da, .. } = LogSums::new(&code.t, &a, &s.b);
        let log = |l: u64| l as i64;
        // log W'(x_r) and log W(x_L) gain log x when x_0 = 0 is among the received.
        let zero_in = s.present.first() == Some(&0);
        let z = i64::from(zero_in);
        let sum: i64 = received.iter().map(|&r| r as i64 - 1).sum();
        let mut input = vec![0u16; sp.receiveds];
        for (j, &r) in received.iter().enumerate() {
            let x = r as i64 - 1;
            input[r - sp.known] = code.alpha(-x - log(da[j]) - z * x);
        }
        let mut output = vec![0u16; sp.losts];
        for (i, &l) in s.lost.iter().enumerate().filter(|&(_, &l)| l >= 1) {
            output[l - sp.lost] = code.alpha(log(a_of_b[i]) + z * (l as i64 - 1));
        }
        let from_zero = match zero_in {
            true => a_of_b.iter().map(|&w| code.alpha(log(w) - sum)).collect(),
            false => Vec::new(),
        };
        if s.lost.first() == Some(&0) {
            output.push(code.alpha(log(a_of_b[0])));
        }
        Interp {
            received,
            input,
            output,
            from_zero,
        }
    }
}

/// A term of the log sums (a table lookup and an add) costs about as much as this many
/// symbols of a block multiply-add by the kernels (estimated, as the FFT's
/// preparation is).
const SCALAR_WEIGHT: f64 = 10.0;

#[cfg(test)]
mod tests;
