/*
 * FEC.xs - Algorithm::FEC as a thin shim over algorithm-fec's C ABI
 * (include/algorithm_fec.h).
 *
 * What lives here: argument unpacking, turning Perl scalars and filehandles into
 * afec_block descriptors, keeping references to the caller's scalars between
 * calls, swapping the caller's array elements after a reorder, and croaking.
 * Everything else (the code, the checks on indices/sizes/files, mmap) is in Rust.
 *
 * Rule: no Perl callback and no croak ever happens while a Rust frame is on the
 * stack. Each afec_* call returns a code; we croak afterwards, in C.
 */
#define PERL_NO_GET_CONTEXT
#include "EXTERN.h"
#include "perl.h"
#include "XSUB.h"

#include "algorithm_fec.h"

#ifndef sv_utf8_downgrade_nomg /* perl < 5.32: sv_utf8_downgrade ran no magic */
#define sv_utf8_downgrade_nomg(sv, fail_ok) sv_utf8_downgrade(sv, fail_ok)
#endif

#define KIND_MEM 0
#define KIND_FILE 1

#define ST_NONE 0
#define ST_ENCODE 1
#define ST_DECODE 2

/* One block held between calls. */
typedef struct {
    SV *sv;         /* the caller's element (one reference held) */
    int kind;       /* KIND_MEM: sv is a byte string; KIND_FILE: fd/offset */
    int fd;
    int64_t offset;
} fec_slot;

typedef struct fec_obj {
    afec_session *s;   /* NULL once DESTROY has run */
    uint32_t k, n;
    size_t bs;
    int state;
    unsigned long gen; /* changes whenever the held blocks change */
    fec_slot *slots;   /* k entries, meaningful when state != ST_NONE */
} fec_obj;

typedef fec_obj *AlgFEC;

/* ---------------------------------------------------------------- helpers */

/* A scratch buffer that lives until the end of the current statement. */
static void *
tmpbuf(pTHX_ size_t bytes)
{
    SV *sv = sv_2mortal(newSV(bytes ? bytes : 1));
    return SvPVX(sv);
}

/* A new mortal string of bs bytes for a result (written by the caller), or a croak:
 * the block size is the user's, and Perl's allocator would end the process ("Out of
 * memory!") where this is an error. PL_nomemok makes safemalloc (what Newx uses)
 * return NULL instead; the buffer then becomes the string's own. */
static SV *
block_sv(pTHX_ size_t bs, const char *func)
{
    SV *sv;
    char *p;
    bool nomemok = PL_nomemok;
    PL_nomemok = TRUE;
    p = bs < (size_t)-1 ? (char *)safemalloc(bs + 1) : NULL;
    PL_nomemok = nomemok;
    if (!p)
        croak("%s: out of memory: cannot allocate a block of %lu bytes", func, (unsigned long)bs);
    p[bs] = '\0';
    sv = sv_2mortal(newSV(0));
    sv_usepvn_flags(sv, p, bs, SV_HAS_TRAILING_NUL);
    return sv;
}

/* Keeps sv alive until the end of the current statement. */
static SV *
hold(pTHX_ SV *sv)
{
    return sv_2mortal(SvREFCNT_inc_simple_NN(sv));
}

static void
slots_clear(pTHX_ fec_obj *o)
{
    uint32_t i;
    o->gen++;
    o->state = ST_NONE;
    for (i = 0; i < o->k; i++) {
        SV *sv = o->slots[i].sv;
        o->slots[i].sv = NULL;
        SvREFCNT_dec(sv);
    }
}

/* DESTROY: the session and the blocks go; the struct stays until the referent is
 * freed (a method running further up the stack may still look at it). */
static void
fec_release(pTHX_ fec_obj *o)
{
    slots_clear(aTHX_ o);
    afec_session_free(o->s);
    o->s = NULL;
}

static int
fec_mg_free(pTHX_ SV *sv, MAGIC *mg)
{
    fec_obj *o = (fec_obj *)mg->mg_ptr;
    PERL_UNUSED_ARG(sv);
    if (o) {
        fec_release(aTHX_ o);
        Safefree(o->slots);
        Safefree(o);
        mg->mg_ptr = NULL;
    }
    return 0;
}

/* Our magic is recognised by the address of this table, so a scalar blessed by
 * hand into Algorithm::FEC can never pass for an object. */
static MGVTBL fec_vtbl = { NULL, NULL, NULL, NULL, fec_mg_free, NULL, NULL, NULL };

static MAGIC *
fec_magic(pTHX_ SV *sv)
{
    if (!sv || !SvROK(sv))
        return NULL;
    return mg_findext(SvRV(sv), PERL_MAGIC_ext, &fec_vtbl);
}

/* The typemap's check of the invocant. */
static fec_obj *
fec_from_sv(pTHX_ SV *sv, const char *func)
{
    MAGIC *mg;
    SvGETMAGIC(sv);
    if (!SvROK(sv) || !sv_derived_from(sv, "Algorithm::FEC"))
        croak("Algorithm::FEC::%s: the invocant is not an Algorithm::FEC object", func);
    mg = fec_magic(aTHX_ sv);
    if (!mg || !mg->mg_ptr || !((fec_obj *)mg->mg_ptr)->s)
        croak("Algorithm::FEC::%s: the invocant is not an Algorithm::FEC object made by new "
              "(or it was already destroyed)", func);
    /* The struct lives as long as the referent: keep that for the call. */
    hold(aTHX_ SvRV(sv));
    return (fec_obj *)mg->mg_ptr;
}

/* After Perl code may have run (tie magic): the object must be as it was. */
static void
check_unchanged(pTHX_ fec_obj *o, unsigned long gen, const char *func)
{
    if (!o->s)
        croak("%s: the object was destroyed during the call", func);
    if (o->gen != gen)
        croak("%s: the object's blocks were replaced during the call (by tie or other magic)",
              func);
}

/* Reads an integer argument. 0: ok; 1: not an integer; 2: does not fit an IV. */
static int
sv_to_iv(pTHX_ SV *sv, IV *out)
{
    SvGETMAGIC(sv);
    if (!SvOK(sv) || SvROK(sv))
        return 1;
    if (SvIOK(sv)) {
        if (SvIsUV(sv)) {
            UV u = SvUVX(sv);
            if (u > (UV)IV_MAX)
                return 2;
            *out = (IV)u;
        } else {
            *out = SvIVX(sv);
        }
        return 0;
    }
    if (SvPOK(sv) && !SvNOK(sv)) {
        STRLEN len;
        const char *p = SvPV_nomg(sv, len);
        UV uv = 0;
        int fl = grok_number(p, len, &uv);
        if (!fl || (fl & IS_NUMBER_NAN))
            return 1;
        if (fl & IS_NUMBER_INFINITY)
            return 2;
        if (!(fl & IS_NUMBER_NOT_INT)) {
            if (!(fl & IS_NUMBER_IN_UV))
                return 2;
            if (fl & IS_NUMBER_NEG) {
                if (uv > (UV)IV_MAX + 1)
                    return 2;
                *out = uv == (UV)IV_MAX + 1 ? IV_MIN : -(IV)uv;
            } else {
                if (uv > (UV)IV_MAX)
                    return 2;
                *out = (IV)uv;
            }
            return 0;
        }
        /* "2.0", "1e3": fall through to the floating-point check */
    }
    {
        NV nv = SvNV_nomg(sv);
        if (Perl_isnan(nv) || Perl_isinf(nv))
            return Perl_isnan(nv) ? 1 : 2;
        if (nv != Perl_floor(nv))
            return 1;
        /* IV_MAX is not representable as an NV; compare with 2^63 exactly. */
        if (nv >= 9223372036854775808.0 || nv < -9223372036854775808.0)
            return 2;
        *out = (IV)nv;
        return 0;
    }
}

/* An integer argument or a croak naming it. */
static IV
arg_iv(pTHX_ SV *sv, const char *func, const char *what)
{
    IV v = 0;
    int r = sv_to_iv(aTHX_ sv, &v);
    if (r == 1) {
        if (!SvOK(sv))
            croak("%s: %s is undefined, it must be an integer", func, what);
        croak("%s: %s must be an integer, not '%" SVf "'", func, what, SVfARG(sv));
    }
    if (r == 2)
        croak("%s: %s '%" SVf "' is out of range", func, what, SVfARG(sv));
    return v;
}

static void
croak_afec(pTHX_ int rc, const char *func)
{
    if (rc == AFEC_EINTERNAL)
        croak("%s: internal error in algorithm-fec (please report): %s", func, afec_last_error());
    croak("%s: %s", func, afec_last_error());
}

/* The array behind an array reference of exactly `want` elements, or a croak in
 * the original's words. */
static AV *
arg_array(pTHX_ SV *ref, uint32_t want, const char *func, const char *what)
{
    AV *av;
    SvGETMAGIC(ref);
    if (!SvROK(ref) || SvTYPE(SvRV(ref)) != SVt_PVAV || (UV)(av_len((AV *)SvRV(ref)) + 1) != want)
        croak("%s: %" SVf " (%s) must be a reference to an array of size %lu", func,
              SVfARG(SvOK(ref) ? ref : sv_2mortal(newSVpvs("undef"))), what,
              (unsigned long)want);
    av = (AV *)SvRV(ref);
    if (SvRMAGICAL((SV *)av))
        croak("%s: the %s array must be a plain array (tied or magical arrays are not supported)",
              func, what);
    /* Keep it alive for the call, whatever magic on its elements does. */
    sv_2mortal(SvREFCNT_inc_simple_NN((SV *)av));
    return av;
}

static SV *
av_elem(pTHX_ AV *av, SSize_t i)
{
    SV **svp = av_fetch(av, i, 0);
    return svp ? *svp : NULL;
}

/* A block's name in messages: "block #3" (pos >= 0) or `name` itself. Built only
 * when a message needs it. */
static const char *
lbl(pTHX_ const char *name, IV pos)
{
    if (pos < 0)
        return name;
    return SvPVX(sv_2mortal(newSVpvf("%s #%" IVdf, name, pos)));
}
#define LBL lbl(aTHX_ name, pos)

/* The descriptor of an open filehandle (glob, glob reference, IO object). */
static int
handle_fd(pTHX_ SV *fh, const char *func, const char *name, IV pos)
{
    IO *io;
    PerlIO *fp;
    int fd;
    if (!SvOK(fh))
        croak("%s: %s: undef is not a filehandle", func, LBL);
    /* A name ("main::FH", or "FH" in the caller's package): what sv_2io looks up. */
    if (!SvROK(fh) && !isGV_with_GP(fh)) {
        GV *gv = gv_fetchsv(fh, 0, SVt_PVIO);
        if (!gv || !GvIO(gv))
            croak("%s: %s: there is no filehandle named '%" SVf "'", func, LBL, SVfARG(fh));
    }
    io = sv_2io(fh); /* croaks "Bad filehandle" on anything else */
    fp = io ? IoIFP(io) : NULL;
    if (!fp)
        croak("%s: %s: the filehandle is not open", func, LBL);
    fd = PerlIO_fileno(fp);
    if (fd < 0)
        croak("%s: %s: the filehandle has no file descriptor (an in-memory filehandle?); "
              "use a string or a handle of a real file",
              func, LBL);
    /* Whatever Perl still buffers for the file must be in it before we map it. */
    if (IoOFP(io))
        PerlIO_flush(IoOFP(io));
    return fd;
}

static int
is_handle(pTHX_ SV *sv)
{
    if (SvROK(sv)) {
        svtype t = SvTYPE(SvRV(sv));
        return t == SVt_PVGV || t == SVt_PVIO;
    }
    return isGV_with_GP(sv) ? 1 : 0;
}

/* Classifies one block argument: a byte string, a filehandle (region at offset
 * 0) or [filehandle, offset]. Runs the element's get-magic (once); keeps the element
 * alive for the call; takes no lasting reference. */
static void
classify(pTHX_ SV *el, fec_slot *slot, const char *func, const char *name, IV pos)
{
    slot->sv = el;
    slot->fd = -1;
    slot->offset = 0;
    if (!el)
        croak("%s: %s does not exist; a block is a string, a filehandle or "
              "[filehandle, offset]", func, LBL);
    hold(aTHX_ el);
    SvGETMAGIC(el);
    if (SvROK(el) && SvTYPE(SvRV(el)) == SVt_PVAV && !SvOBJECT(SvRV(el))) {
        AV *pair = (AV *)SvRV(el);
        SV *fh, *off;
        IV o;
        if (av_len(pair) != 0 && av_len(pair) != 1)
            croak("%s: %s: an array reference must be [filehandle, offset] or [filehandle]",
                  func, LBL);
        /* Copies: each element's get-magic runs once, here. */
        fh = av_elem(aTHX_ pair, 0);
        fh = fh ? sv_mortalcopy(fh) : NULL;
        off = av_elem(aTHX_ pair, 1);
        off = off ? sv_mortalcopy(off) : NULL;
        /* As in Algorithm::FEC 1.1: the handle may be given by name, and a missing
         * (or undef) offset is 0. */
        if (!fh || !(is_handle(aTHX_ fh) || (SvPOKp(fh) && !SvROK(fh))))
            croak("%s: %s: an array reference must be [filehandle, offset], and its first "
                  "element is not a filehandle or a filehandle's name", func, LBL);
        o = off && SvOK(off) ? arg_iv(aTHX_ off, func, "the offset") : 0;
        if (o < 0)
            croak("%s: %s: offset %" IVdf " is negative", func, LBL, o);
        slot->kind = KIND_FILE;
        slot->fd = handle_fd(aTHX_ fh, func, name, pos);
        slot->offset = (int64_t)o;
        return;
    }
    if (is_handle(aTHX_ el)) {
        slot->kind = KIND_FILE;
        slot->fd = handle_fd(aTHX_ el, func, name, pos);
        return;
    }
    if (!SvROK(el) && SvPOKp(el)) {
        slot->kind = KIND_MEM;
        return;
    }
    if (!SvOK(el))
        croak("%s: %s is undef; a block is a string, a filehandle or [filehandle, offset]",
              func, LBL);
    croak("%s: %s ('%" SVf "') is not a string, a filehandle or [filehandle, offset]", func,
          LBL, SVfARG(el));
}

/* The bytes of a string block that is only read: its buffer, or a downgraded copy
 * of a UTF-8 flagged string. Runs no magic (the caller has), so no Perl code runs
 * between taking this pointer and the afec_* call. */
static unsigned char *
str_read(pTHX_ SV *sv, size_t bs, const char *func, const char *name, IV pos)
{
    STRLEN len;
    char *p;
    if (!SvOK(sv) || SvROK(sv))
        croak("%s: %s is no longer a string", func, LBL);
    if (SvUTF8(sv)) {
        SV *tmp = sv_newmortal();
        sv_setsv_flags(tmp, sv, SV_NOSTEAL);
        if (!sv_utf8_downgrade_nomg(tmp, TRUE))
            croak("%s: %s (a string) contains characters above 255; blocks are bytes "
                  "(encode the string first)", func, LBL);
        sv = tmp;
    }
    p = SvPV_nomg(sv, len);
    if (len != bs)
        croak("%s (a string) has size %lu, not %lu", LBL, (unsigned long)len, (unsigned long)bs);
    return (unsigned char *)p;
}

/* Checks a string block that will be written: writable, defined, bytes, the right
 * size. Changes only its representation (UTF-8 downgrade), never its value. Runs
 * no magic. */
static void
str_write_check(pTHX_ SV *sv, size_t bs, const char *func, const char *name, IV pos)
{
    STRLEN len;
    if (SvREADONLY(sv))
        croak("%s: %s is a read-only scalar and would be written", func, LBL);
    if (!SvOK(sv) || SvROK(sv))
        croak("%s: %s is no longer a string", func, LBL);
    if (SvUTF8(sv) && !sv_utf8_downgrade_nomg(sv, TRUE))
        croak("%s: %s (a string) contains characters above 255; blocks are bytes "
              "(encode the string first)", func, LBL);
    (void)SvPV_nomg(sv, len);
    if (len != bs)
        croak("%s (a string) has size %lu, not %lu", LBL, (unsigned long)len, (unsigned long)bs);
}

/* After str_write_check: a private buffer (copy-on-write broken, shared hash keys
 * un-shared, so no other scalar sees the write), string only (stale numeric values
 * dropped). */
static unsigned char *
str_write_ptr(pTHX_ SV *sv)
{
    STRLEN len;
    char *p = SvPV_force_nomg(sv, len);
    SvPOK_only(sv);
    return (unsigned char *)p;
}

/* afec_block descriptors for the held blocks, strings at their current address.
 * targets (may be NULL): positions that will be written. *snap (if given): the
 * slots as they were used, each scalar kept alive for the call. */
static afec_block *
held_blocks(pTHX_ fec_obj *o, const unsigned char *targets, const char *func, fec_slot **snap)
{
    uint32_t k = o->k, i;
    afec_block *ab = (afec_block *)tmpbuf(aTHX_ k * sizeof(afec_block));
    fec_slot *sl = (fec_slot *)tmpbuf(aTHX_ k * sizeof(fec_slot));
    unsigned long gen = o->gen;
    const char *name = "block";
#define IS_TARGET(i) (targets && targets[i])
    Copy(o->slots, sl, k, fec_slot);
    /* 1. Magic (Perl code may run): first and once. */
    for (i = 0; i < k; i++) {
        if (sl[i].kind == KIND_MEM) {
            hold(aTHX_ sl[i].sv);
            SvGETMAGIC(sl[i].sv);
        }
    }
    check_unchanged(aTHX_ o, gen, func);
    /* 2. Every check, before any scalar is touched. */
    for (i = 0; i < k; i++)
        if (sl[i].kind == KIND_MEM && IS_TARGET(i))
            str_write_check(aTHX_ sl[i].sv, o->bs, func, name, (IV)i);
    /* 3. Pointers: targets get private buffers first, so no pointer taken goes stale. */
    for (i = 0; i < k; i++) {
        ab[i].fd = sl[i].fd;
        ab[i].offset = sl[i].offset;
        ab[i].ptr = NULL;
        ab[i].len = 0;
        if (sl[i].kind == KIND_MEM && IS_TARGET(i)) {
            ab[i].ptr = str_write_ptr(aTHX_ sl[i].sv);
            ab[i].len = o->bs;
        }
    }
    for (i = 0; i < k; i++) {
        if (sl[i].kind == KIND_MEM && !IS_TARGET(i)) {
            ab[i].ptr = str_read(aTHX_ sl[i].sv, o->bs, func, name, (IV)i);
            ab[i].len = o->bs;
        }
    }
#undef IS_TARGET
    if (snap)
        *snap = sl;
    return ab;
}

/* A string block and its position, to find one scalar given twice. */
typedef struct {
    UV sv;
    uint32_t pos;
} sv_pos;

static int
sv_pos_cmp(const void *a, const void *b)
{
    const sv_pos *x = (const sv_pos *)a, *y = (const sv_pos *)b;
    if (x->sv != y->sv)
        return x->sv < y->sv ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Croaks if one scalar is given twice and decode would write it (it holds a check
 * index): found here, before anything is reordered, rather than by decode. Sorting
 * keeps it O(k log k) for k up to 65536. */
static void
check_twice(pTHX_ const fec_slot *ns, const uint32_t *idx, uint32_t k, const char *func)
{
    sv_pos *v = (sv_pos *)tmpbuf(aTHX_ k * sizeof(sv_pos));
    uint32_t i, n = 0;
    for (i = 0; i < k; i++) {
        if (ns[i].kind == KIND_MEM) {
            v[n].sv = PTR2UV(ns[i].sv);
            v[n].pos = i;
            n++;
        }
    }
    qsort(v, n, sizeof(sv_pos), sv_pos_cmp);
    for (i = 1; i < n; i++) {
        uint32_t a = v[i - 1].pos, b = v[i].pos;
        if (v[i].sv == v[i - 1].sv && (idx[a] >= k || idx[b] >= k))
            croak("%s: blocks #%lu and #%lu are the same scalar, which decode would "
                  "write; give each block its own scalar", func, (unsigned long)a,
                  (unsigned long)b);
    }
}

/* Fills ab from a slot classify made (strings: size-checked, read-only use). */
static void
slot_block(pTHX_ fec_obj *o, fec_slot *sl, afec_block *ab, const char *func, const char *name, IV pos)
{
    ab->fd = sl->fd;
    ab->offset = sl->offset;
    ab->ptr = NULL;
    ab->len = 0;
    if (sl->kind == KIND_MEM) {
        ab->ptr = str_read(aTHX_ sl->sv, o->bs, func, name, pos);
        ab->len = o->bs;
    }
}

/* Holds new blocks (one reference each), replacing the old ones. */
static void
slots_take(pTHX_ fec_obj *o, const fec_slot *src, int state)
{
    uint32_t i;
    for (i = 0; i < o->k; i++)
        SvREFCNT_inc_simple_void_NN(src[i].sv);
    slots_clear(aTHX_ o);
    Copy(src, o->slots, o->k, fec_slot);
    o->state = state;
}

/* Reads the k indices of set_decode_blocks/shuffle into idx (range-checked). */
static void
read_indices(pTHX_ fec_obj *o, AV *av, uint32_t *idx, const char *func)
{
    uint32_t i;
    for (i = 0; i < o->k; i++) {
        SV *el = av_elem(aTHX_ av, i);
        IV v;
        if (!el)
            croak("%s: index #%lu does not exist", func, (unsigned long)i);
        v = arg_iv(aTHX_ el, func, "an index");
        if (v < 0 || v >= (IV)o->n)
            croak("%s: index %" IVdf " (at position %lu) out of range, must be 0 <= index < %lu",
                  func, v, (unsigned long)i, (unsigned long)o->n);
        idx[i] = (uint32_t)v;
    }
}

/* Puts the elements of av in the order perm gives: new[i] = old[perm[i]]. Moves
 * the scalars themselves, as the original does. */
static void
permute_av(pTHX_ AV *av, const size_t *perm, uint32_t k)
{
    SV **old = (SV **)tmpbuf(aTHX_ k * sizeof(SV *));
    uint32_t i;
    for (i = 0; i < k; i++) {
        SV *el = av_elem(aTHX_ av, i);
        old[i] = el ? SvREFCNT_inc_simple_NN(el) : newSV(0);
    }
    for (i = 0; i < k; i++)
        av_store(av, i, old[perm[i]]); /* takes our reference, drops the old one */
}

/* A block index for encode: an integer in 0 .. n-1, or a croak. */
static uint32_t
encode_index(pTHX_ fec_obj *o, SV *sv, const char *func)
{
    IV v = arg_iv(aTHX_ sv, func, "block_index");
    if (v < 0 || v >= (IV)o->n)
        croak("%s: block_index %" IVdf " out of range, must be 0 <= block_index < %lu", func, v,
              (unsigned long)o->n);
    return (uint32_t)v;
}

/* Croaks unless the object holds the blocks of set_encode_blocks. */
static void
check_encode_state(pTHX_ fec_obj *o)
{
    if (o->state == ST_DECODE)
        croak("no blocks specified by a preceding call to set_encode_blocks "
              "(the object holds the blocks of set_decode_blocks: decode first, or call "
              "set_encode_blocks again)");
    if (o->state != ST_ENCODE)
        croak("no blocks specified by a preceding call to set_encode_blocks");
}

MODULE = Algorithm::FEC		PACKAGE = Algorithm::FEC

PROTOTYPES: DISABLE

SV *
new(klass, data_blocks, encoded_blocks, blocksize)
        SV *klass
        SV *data_blocks
        SV *encoded_blocks
        SV *blocksize
    PREINIT:
        const char *func = "Algorithm::FEC::new";
        HV *stash;
        IV k, n, bs;
        afec_session *s = NULL;
        fec_obj *o;
        SV *obj;
        int rc;
    CODE:
        if (SvROK(klass) && SvOBJECT(SvRV(klass)))
            stash = SvSTASH(SvRV(klass));
        else
            stash = gv_stashsv(klass, GV_ADD);
        k = arg_iv(aTHX_ data_blocks, func, "the number of data packets");
        n = arg_iv(aTHX_ encoded_blocks, func, "the number of encoded packets");
        bs = arg_iv(aTHX_ blocksize, func, "blocksize");
        if (k < 1)
            croak("the number of data packets must be >= 1");
        if (n < k)
            croak("the number of encoded packets must be >= the number of data packets");
        if (n > 65536)
            croak("the number of encoded packets must be <= 65536");
        if (bs < 1)
            croak("blocksize must be >= 1 (got %" IVdf ")", bs);
        if ((UV)bs > (UV)(SSize_t_MAX / 2))
            croak("blocksize %" IVdf " is too large", bs);
        rc = afec_session_new((uint32_t)k, (uint32_t)n, (size_t)bs, AFEC_FIELD_AUTO, &s);
        if (rc != AFEC_OK)
            croak_afec(aTHX_ rc, func);
        Newxz(o, 1, fec_obj);
        Newxz(o->slots, (size_t)k, fec_slot);
        o->s = s;
        o->k = (uint32_t)k;
        o->n = (uint32_t)n;
        o->bs = (size_t)bs;
        o->state = ST_NONE;
        obj = newSV(0);
        sv_magicext(obj, NULL, PERL_MAGIC_ext, &fec_vtbl, (const char *)o, 0);
        RETVAL = sv_bless(newRV_noinc(obj), stash);
    OUTPUT:
        RETVAL

void
set_encode_blocks(self, blocks = &PL_sv_undef)
        AlgFEC self
        SV *blocks
    PREINIT:
        const char *func = "set_encode_blocks";
        AV *av;
        fec_slot *ns;
        afec_block *ab;
        uint32_t i;
        int rc;
    CODE:
        SvGETMAGIC(blocks);
        if (!SvOK(blocks)) {
            rc = afec_set_encode_blocks(self->s, NULL, 0);
            if (rc != AFEC_OK)
                croak_afec(aTHX_ rc, func);
            slots_clear(aTHX_ self);
            XSRETURN_EMPTY;
        }
        av = arg_array(aTHX_ blocks, self->k, func, "blocks");
        ns = (fec_slot *)tmpbuf(aTHX_ self->k * sizeof(fec_slot));
        ab = (afec_block *)tmpbuf(aTHX_ self->k * sizeof(afec_block));
        /* Magic first (Perl code may run), then the pointers. */
        for (i = 0; i < self->k; i++)
            classify(aTHX_ av_elem(aTHX_ av, i), &ns[i], func, "block", (IV)i);
        for (i = 0; i < self->k; i++)
            slot_block(aTHX_ self, &ns[i], &ab[i], func, "block", (IV)i);
        rc = afec_set_encode_blocks(self->s, ab, self->k);
        if (rc != AFEC_OK)
            croak_afec(aTHX_ rc, func);
        slots_take(aTHX_ self, ns, ST_ENCODE);

void
encode(self, ...)
        AlgFEC self
    PREINIT:
        const char *func = "encode";
        afec_block *ab;
        size_t nidx, j;
        uint32_t *idx;
        int rc;
    PPCODE:
        if (items < 2)
            croak("Usage: $fec->encode($block_index) or, in list context, $fec->encode(@block_indices)");
        nidx = (size_t)(items - 1);
        if (nidx > 1 && GIMME_V != G_ARRAY)
            croak("encode: several block indices need list context");
        idx = (uint32_t *)tmpbuf(aTHX_ nidx * sizeof(uint32_t));
        for (j = 0; j < nidx; j++)
            idx[j] = encode_index(aTHX_ self, ST(j + 1), func);
        check_encode_state(aTHX_ self);
        ab = held_blocks(aTHX_ self, NULL, func, NULL);
        if (nidx == 1) {
            SV *out = block_sv(aTHX_ self->bs, func);
            rc = afec_encode(self->s, idx[0], ab, self->k, (unsigned char *)SvPVX(out), self->bs);
            if (rc != AFEC_OK)
                croak_afec(aTHX_ rc, func);
            XPUSHs(out);
        } else {
            unsigned char **outs = (unsigned char **)tmpbuf(aTHX_ nidx * sizeof(unsigned char *));
            SV **svs = (SV **)tmpbuf(aTHX_ nidx * sizeof(SV *));
            for (j = 0; j < nidx; j++) {
                svs[j] = block_sv(aTHX_ self->bs, func);
                outs[j] = (unsigned char *)SvPVX(svs[j]);
            }
            rc = afec_encode_many(self->s, idx, nidx, ab, self->k, outs, self->bs);
            if (rc != AFEC_OK)
                croak_afec(aTHX_ rc, func);
            EXTEND(SP, (SSize_t)nidx);
            for (j = 0; j < nidx; j++)
                PUSHs(svs[j]);
        }

void
encode_into(self, indices, outputs)
        AlgFEC self
        SV *indices
        SV *outputs
    PREINIT:
        const char *func = "encode_into";
        AV *iav, *oav;
        SV **osv;
        unsigned char **outs;
        uint32_t *idx;
        afec_block *ab;
        fec_slot *used;
        size_t nidx, j;
        int rc;
    CODE:
        /* Like encode(@indices), but the results go into the caller's strings, which
         * are overwritten in place: no new string per call, so a loop can reuse them. */
        SvGETMAGIC(indices);
        if (!SvROK(indices) || SvTYPE(SvRV(indices)) != SVt_PVAV)
            croak("Usage: $fec->encode_into(\\@block_indices, \\@outputs)");
        iav = (AV *)SvRV(indices);
        nidx = (size_t)(av_len(iav) + 1);
        if (nidx == 0)
            croak("%s: give at least one block index", func);
        if (nidx > U32_MAX)
            croak("%s: too many block indices", func);
        oav = arg_array(aTHX_ outputs, (uint32_t)nidx, func, "outputs");
        hold(aTHX_ (SV *)iav);
        idx = (uint32_t *)tmpbuf(aTHX_ nidx * sizeof(uint32_t));
        osv = (SV **)tmpbuf(aTHX_ nidx * sizeof(SV *));
        outs = (unsigned char **)tmpbuf(aTHX_ nidx * sizeof(unsigned char *));
        for (j = 0; j < nidx; j++) {
            SV *el = av_elem(aTHX_ iav, (SSize_t)j);
            if (!el)
                croak("%s: index #%lu does not exist", func, (unsigned long)j);
            idx[j] = encode_index(aTHX_ self, el, func);
        }
        /* Magic first (Perl code may run): the outputs', then the data blocks'. */
        for (j = 0; j < nidx; j++) {
            osv[j] = av_elem(aTHX_ oav, (SSize_t)j);
            if (!osv[j])
                croak("%s: output #%lu does not exist", func, (unsigned long)j);
            hold(aTHX_ osv[j]);
            SvGETMAGIC(osv[j]);
        }
        check_encode_state(aTHX_ self);
        ab = held_blocks(aTHX_ self, NULL, func, &used);
        /* Checks, then private buffers (a shared copy-on-write buffer is not written). */
        for (j = 0; j < nidx; j++) {
            uint32_t i;
            size_t jj;
            for (i = 0; i < self->k; i++)
                if (used[i].sv == osv[j])
                    croak("%s: output #%lu is data block #%lu itself; the outputs must be "
                          "other scalars", func, (unsigned long)j, (unsigned long)i);
            for (jj = 0; jj < j; jj++)
                if (osv[jj] == osv[j])
                    croak("%s: outputs #%lu and #%lu are the same scalar", func,
                          (unsigned long)jj, (unsigned long)j);
            if (SvROK(osv[j]) || !SvPOKp(osv[j]))
                croak("%s: output #%lu is not a string; each output must be a string of "
                      "blocksize (%lu) bytes, which is overwritten", func, (unsigned long)j,
                      (unsigned long)self->bs);
            str_write_check(aTHX_ osv[j], self->bs, func, "output", (IV)j);
        }
        for (j = 0; j < nidx; j++)
            outs[j] = str_write_ptr(aTHX_ osv[j]);
        rc = afec_encode_many(self->s, idx, nidx, ab, self->k, outs, self->bs);
        if (rc != AFEC_OK)
            croak_afec(aTHX_ rc, func);
        for (j = 0; j < nidx; j++)
            SvSETMAGIC(osv[j]);

void
set_decode_blocks(self, blocks, indices)
        AlgFEC self
        SV *blocks
        SV *indices
    PREINIT:
        const char *func = "set_decode_blocks";
        AV *bav, *iav;
        fec_slot *ns, *reordered;
        afec_block *ab;
        uint32_t *idx;
        size_t *perm;
        uint32_t i;
        int rc;
    CODE:
        bav = arg_array(aTHX_ blocks, self->k, func, "blocks");
        iav = arg_array(aTHX_ indices, self->k, func, "indices");
        idx = (uint32_t *)tmpbuf(aTHX_ self->k * sizeof(uint32_t));
        perm = (size_t *)tmpbuf(aTHX_ self->k * sizeof(size_t));
        ns = (fec_slot *)tmpbuf(aTHX_ self->k * sizeof(fec_slot));
        reordered = (fec_slot *)tmpbuf(aTHX_ self->k * sizeof(fec_slot));
        ab = (afec_block *)tmpbuf(aTHX_ self->k * sizeof(afec_block));
        read_indices(aTHX_ self, iav, idx, func);
        /* Magic first (Perl code may run), then the checks and pointers. */
        for (i = 0; i < self->k; i++)
            classify(aTHX_ av_elem(aTHX_ bav, i), &ns[i], func, "block", (IV)i);
        for (i = 0; i < self->k; i++) {
            /* A block holding a check index receives a data block: say now if it
             * cannot (decode checks again). */
            if (ns[i].kind == KIND_MEM && idx[i] >= self->k && SvREADONLY(ns[i].sv))
                croak("%s: block #%lu is a read-only scalar and decode would write it", func,
                      (unsigned long)i);
            slot_block(aTHX_ self, &ns[i], &ab[i], func, "block", (IV)i);
        }
        check_twice(aTHX_ ns, idx, self->k, func);
        rc = afec_set_decode_blocks(self->s, ab, idx, perm, self->k);
        if (rc != AFEC_OK)
            croak_afec(aTHX_ rc, func);
        for (i = 0; i < self->k; i++)
            reordered[i] = ns[perm[i]];
        slots_take(aTHX_ self, reordered, ST_DECODE);
        permute_av(aTHX_ bav, perm, self->k);
        permute_av(aTHX_ iav, perm, self->k);

void
shuffle(self, blocks, indices)
        AlgFEC self
        SV *blocks
        SV *indices
    PREINIT:
        const char *func = "shuffle";
        AV *bav, *iav;
        uint32_t *idx;
        size_t *perm;
        int rc;
    CODE:
        bav = arg_array(aTHX_ blocks, self->k, func, "blocks");
        iav = arg_array(aTHX_ indices, self->k, func, "indices");
        idx = (uint32_t *)tmpbuf(aTHX_ self->k * sizeof(uint32_t));
        perm = (size_t *)tmpbuf(aTHX_ self->k * sizeof(size_t));
        read_indices(aTHX_ self, iav, idx, func);
        rc = afec_shuffle(self->s, idx, perm, self->k);
        if (rc != AFEC_OK)
            croak_afec(aTHX_ rc, func);
        permute_av(aTHX_ bav, perm, self->k);
        permute_av(aTHX_ iav, perm, self->k);

void
decode(self)
        AlgFEC self
    PREINIT:
        const char *func = "decode";
        unsigned char *targets;
        afec_block *ab;
        fec_slot *used;
        uint32_t i;
        int rc;
    CODE:
        if (self->state != ST_DECODE)
            croak("index array must be set by a prior call to set_decode_blocks");
        targets = (unsigned char *)tmpbuf(aTHX_ self->k);
        rc = afec_decode_targets(self->s, targets, self->k);
        if (rc != AFEC_OK)
            croak_afec(aTHX_ rc, func);
        ab = held_blocks(aTHX_ self, targets, func, &used);
        rc = afec_decode(self->s, ab, self->k);
        if (rc != AFEC_OK)
            croak_afec(aTHX_ rc, func);
        /* The session holds nothing now; neither do we. Then set-magic (Perl code
         * may run) on the scalars written, which `used` keeps alive. */
        slots_clear(aTHX_ self);
        for (i = 0; i < self->k; i++)
            if (targets[i] && used[i].kind == KIND_MEM)
                SvSETMAGIC(used[i].sv);

void
copy(self, src, dst)
        AlgFEC self
        SV *src
        SV *dst
    PREINIT:
        const char *func = "copy";
        fec_slot ss, ds;
        afec_block sb, db;
        int rc;
    CODE:
        classify(aTHX_ src, &ss, func, "the source block", -1);
        classify(aTHX_ dst, &ds, func, "the destination block", -1);
        if (!self->s)
            croak("%s: the object was destroyed during the call", func);
        if (ds.kind == KIND_MEM)
            str_write_check(aTHX_ dst, self->bs, func, "the destination block", -1);
        db.fd = ds.fd;
        db.offset = ds.offset;
        db.ptr = NULL;
        db.len = 0;
        if (ds.kind == KIND_MEM) {
            db.ptr = str_write_ptr(aTHX_ dst);
            db.len = self->bs;
        }
        slot_block(aTHX_ self, &ss, &sb, func, "the source block", -1);
        rc = afec_copy(self->s, &sb, &db);
        if (rc != AFEC_OK)
            croak_afec(aTHX_ rc, func);
        slots_clear(aTHX_ self);
        if (ds.kind == KIND_MEM)
            SvSETMAGIC(dst);

void
DESTROY(self)
        SV *self
    PREINIT:
        MAGIC *mg;
    CODE:
        /* Silently ignores anything that is not a live object of ours (a fake
         * blessed by hand, a second DESTROY). */
        mg = fec_magic(aTHX_ self);
        if (mg && mg->mg_ptr)
            fec_release(aTHX_ (fec_obj *)mg->mg_ptr);
