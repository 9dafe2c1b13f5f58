/* Drives the C ABI the way the Perl XS does: sessions, memory and file blocks,
 * reordering, in-place decode into a file, errors with messages. Prints
 * "N passed, M failed" and exits non-zero on any failure. */
#include "algorithm_fec.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int passed, failed;
#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (cond) {                                                             \
            passed++;                                                           \
        } else {                                                                \
            failed++;                                                           \
            printf("FAIL line %d: ", __LINE__);                                 \
            printf(__VA_ARGS__);                                                \
            printf(" [last error: %s]\n", afec_last_error());                   \
        }                                                                       \
    } while (0)

static afec_block mem(unsigned char *p, size_t len) {
    afec_block b = {p, len, -1, 0};
    return b;
}
static afec_block file(int fd, int64_t off) {
    afec_block b = {NULL, 0, fd, off};
    return b;
}

/* A file of `len` bytes, byte i = (i * 7 + i / 251) & 255. */
static int pattern_file(const char *dir, const char *name, size_t len, char *path) {
    snprintf(path, 4096, "%s/afec-abi-%s-%d", dir, name, (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    unsigned char *b = malloc(len);
    for (size_t i = 0; i < len; i++) b[i] = (unsigned char)(i * 7 + i / 251);
    int ok = fd >= 0 && pwrite(fd, b, len, 0) == (ssize_t)len;
    free(b);
    CHECK(ok, "write %s", path);
    return fd;
}

/* A file shrunk after set_encode_blocks / set_decode_blocks: the call fails with
 * AFEC_ECHANGED, instead of the process dying of SIGBUS. */
static void mapped_files_changed(const char *dir) {
    const size_t bs = 3 * 4096 + 10;
    char path[4096];
    afec_session *t = NULL;
    CHECK(afec_session_new(2, 4, bs, AFEC_FIELD_AUTO, &t) == AFEC_OK, "new");
    int fd = pattern_file(dir, "shrunk", 2 * bs, path);
    unsigned char *out = malloc(bs);
    afec_block fb[2] = {file(fd, 0), file(fd, bs)};
    CHECK(afec_set_encode_blocks(t, fb, 2) == AFEC_OK, "set_encode_blocks");
    CHECK(afec_encode(t, 3, fb, 2, out, bs) == AFEC_OK, "encode");
    CHECK(ftruncate(fd, bs) == 0, "truncate");
    CHECK(afec_encode(t, 3, fb, 2, out, bs) == AFEC_ECHANGED, "encode from a shrunk file");
    const char *changed = "block #1: the file changed while it was mapped";
    CHECK(strncmp(afec_last_error(), changed, strlen(changed)) == 0,
          "changed message: %s", afec_last_error());
    close(fd);
    fd = pattern_file(dir, "shrunk", 2 * bs, path);
    afec_block db[2] = {file(fd, 0), file(fd, bs)};
    uint32_t idx[2] = {2, 1};
    size_t perm[2];
    CHECK(afec_set_decode_blocks(t, db, idx, perm, 2) == AFEC_OK, "set_decode_blocks");
    CHECK(ftruncate(fd, 0) == 0, "truncate");
    CHECK(afec_decode(t, db, 2) == AFEC_ECHANGED, "decode into a shrunk file");
    close(fd);
    unlink(path);
    free(out);
    afec_session_free(t);
}

/* Shrinks that stay inside the file's last page (1, 100, page - 1 bytes from a
 * page-aligned end) raise no SIGBUS: the bytes past the new end read as zeros. The
 * call must still fail with AFEC_ECHANGED; copy from or to such a file is refused. */
static void small_shrinks(const char *dir) {
    const size_t bs = 65536; /* a multiple of any page size */
    const long page = sysconf(_SC_PAGESIZE);
    const off_t cuts[3] = {1, 100, (off_t)page - 1};
    const char *changed = "block #1: the file changed while it was mapped";
    char path[4096];
    unsigned char *out = malloc(bs);
    afec_session *t = NULL;
    CHECK(afec_session_new(2, 4, bs, AFEC_FIELD_AUTO, &t) == AFEC_OK, "new");
    for (int c = 0; c < 3; c++) {
        int fd = pattern_file(dir, "small", 2 * bs, path);
        afec_block fb[2] = {file(fd, 0), file(fd, bs)};
        CHECK(afec_set_encode_blocks(t, fb, 2) == AFEC_OK, "set_encode_blocks");
        CHECK(ftruncate(fd, (off_t)(2 * bs) - cuts[c]) == 0, "truncate");
        CHECK(afec_encode(t, 3, fb, 2, out, bs) == AFEC_ECHANGED, "encode, cut %ld", (long)cuts[c]);
        CHECK(strncmp(afec_last_error(), changed, strlen(changed)) == 0, "message: %s", afec_last_error());
        uint32_t want[2] = {0, 2};
        unsigned char *outs[2] = {out, out};
        CHECK(afec_encode_many(t, want, 1, fb, 2, outs, bs) == AFEC_ECHANGED, "encode_many, cut %ld",
              (long)cuts[c]);
        close(fd);

        /* Decode: the last region is written (check 3 -> data 1), or only read. */
        for (int w = 0; w < 2; w++) {
            fd = pattern_file(dir, "small", 2 * bs, path);
            afec_block db[2] = {file(fd, 0), file(fd, bs)};
            uint32_t idx[2] = {2, w ? 3u : 1u};
            size_t perm[2];
            CHECK(afec_set_decode_blocks(t, db, idx, perm, 2) == AFEC_OK, "set_decode_blocks");
            CHECK(ftruncate(fd, (off_t)(2 * bs) - cuts[c]) == 0, "truncate");
            CHECK(afec_decode(t, db, 2) == AFEC_ECHANGED, "decode, written %d, cut %ld", w, (long)cuts[c]);
            CHECK(strncmp(afec_last_error(), changed, strlen(changed)) == 0, "message: %s",
                  afec_last_error());
            close(fd);
        }

        /* Copy: the region no longer fits in the file. */
        fd = pattern_file(dir, "small", bs, path);
        CHECK(ftruncate(fd, (off_t)bs - cuts[c]) == 0, "truncate");
        afec_block src = file(fd, 0), dst = mem(out, bs);
        CHECK(afec_copy(t, &src, &dst) == AFEC_EIO && strstr(afec_last_error(), "too short") != NULL,
              "copy from a shrunk file: %s", afec_last_error());
        CHECK(afec_copy(t, &dst, &src) == AFEC_EIO && strstr(afec_last_error(), "too short") != NULL,
              "copy to a shrunk file: %s", afec_last_error());
        close(fd);
    }
    unlink(path);
    free(out);
    afec_session_free(t);
}

/* Absurd sizes and counts are errors, never an abort: block sizes no memory can
 * hold, and counts no array can have. */
static void absurd_sizes(void) {
    const size_t sizes[3] = {(size_t)1 << 40, (size_t)1 << 62, ((size_t)1 << 63) - 1};
    unsigned char out[70];
    unsigned char *outs[1] = {out};
    uint32_t idx[1] = {2};
    for (int i = 0; i < 3; i++) {
        afec_session *t = NULL;
        CHECK(afec_session_new(2, 3, sizes[i], AFEC_FIELD_AUTO, &t) == AFEC_OK, "new %zu", sizes[i]);
        CHECK(afec_encode(t, 2, NULL, 0, out, sizes[i]) == AFEC_ESTATE, "encode without blocks");
        CHECK(afec_encode_many(t, idx, SIZE_MAX, NULL, 0, outs, sizes[i]) == AFEC_ESTATE,
              "encode_many without blocks");
        afec_session_free(t);
    }
    afec_session *s = NULL;
    CHECK(afec_session_new(3, 5, 70, AFEC_FIELD_AUTO, &s) == AFEC_OK, "new");
    unsigned char d[3][70];
    afec_block blocks[3] = {mem(d[0], 70), mem(d[1], 70), mem(d[2], 70)};
    memset(d, 5, sizeof d);
    CHECK(afec_set_encode_blocks(s, blocks, 3) == AFEC_OK, "set_encode_blocks");
    CHECK(afec_encode_many(s, idx, SIZE_MAX, blocks, 3, outs, 70) == AFEC_EINVAL, "SIZE_MAX outputs");
    CHECK(strcmp(afec_last_error(), "18446744073709551615 outputs of 70 bytes cannot fit in memory") == 0,
          "message: %s", afec_last_error());
    CHECK(afec_encode_many(s, idx, (size_t)1 << 61, blocks, 3, outs, 1) == AFEC_EINVAL, "2^61 outputs");
    CHECK(afec_encode_many(s, idx, (size_t)1 << 61, blocks, 3, outs, 70) == AFEC_EINVAL,
          "2^61 outputs of 70 bytes");
    CHECK(afec_encode_many(s, idx, (size_t)1 << 45, blocks, 3, outs, 70) == AFEC_ENOMEM, "2^45 outputs");
    CHECK(strncmp(afec_last_error(), "out of memory: cannot allocate 35184372088832 entries", 53) == 0,
          "message: %s", afec_last_error());
    CHECK(afec_encode_many(s, idx, 1, blocks, SIZE_MAX, outs, 70) == AFEC_EINVAL, "SIZE_MAX blocks");
    CHECK(strcmp(afec_last_error(), "expected 3 blocks, got 18446744073709551615") == 0, "message: %s",
          afec_last_error());
    CHECK(afec_encode_many(s, idx, 1, blocks, 3, outs, 70) == AFEC_OK, "the same call, sane");
    size_t perm[3];
    CHECK(afec_shuffle(s, idx, perm, SIZE_MAX) == AFEC_EINVAL, "shuffle SIZE_MAX");
    CHECK(afec_set_decode_blocks(s, blocks, idx, perm, SIZE_MAX) == AFEC_EINVAL, "set_decode_blocks SIZE_MAX");
    CHECK(afec_set_encode_blocks(s, blocks, SIZE_MAX) == AFEC_EINVAL, "set_encode_blocks SIZE_MAX");
    afec_session_free(s);
}

/* k + 1 blocks (or indices) at every entry point that takes k: refused with the
 * count in the message, and nothing changed. */
static void one_block_too_many(void) {
    afec_session *s = NULL;
    CHECK(afec_session_new(3, 5, 70, AFEC_FIELD_AUTO, &s) == AFEC_OK, "new");
    unsigned char d[4][70], out[70], targets[4];
    for (int j = 0; j < 4; j++) memset(d[j], '1' + j, 70);
    afec_block b[4] = {mem(d[0], 70), mem(d[1], 70), mem(d[2], 70), mem(d[3], 70)};
    const char *blocks4 = "expected 3 blocks, got 4";
    CHECK(afec_set_encode_blocks(s, b, 4) == AFEC_EINVAL, "set_encode_blocks k+1");
    CHECK(strcmp(afec_last_error(), blocks4) == 0, "message: %s", afec_last_error());
    CHECK(afec_set_encode_blocks(s, b, 3) == AFEC_OK, "set_encode_blocks k");
    CHECK(afec_encode(s, 3, b, 4, out, 70) == AFEC_EINVAL, "encode k+1");
    CHECK(strcmp(afec_last_error(), blocks4) == 0, "message: %s", afec_last_error());
    uint32_t want[1] = {3};
    unsigned char *outs[1] = {out};
    CHECK(afec_encode_many(s, want, 1, b, 4, outs, 70) == AFEC_EINVAL, "encode_many k+1");
    CHECK(strcmp(afec_last_error(), blocks4) == 0, "message: %s", afec_last_error());
    uint32_t idx[4] = {4, 1, 3, 0};
    size_t perm[4];
    CHECK(afec_shuffle(s, idx, perm, 4) == AFEC_EINVAL, "shuffle k+1");
    CHECK(strcmp(afec_last_error(), "expected 3 indices, got 4") == 0, "message: %s", afec_last_error());
    CHECK(afec_set_decode_blocks(s, b, idx, perm, 4) == AFEC_EINVAL, "set_decode_blocks k+1");
    CHECK(strcmp(afec_last_error(), blocks4) == 0, "message: %s", afec_last_error());
    CHECK(idx[0] == 4 && idx[1] == 1 && idx[2] == 3 && idx[3] == 0, "indices untouched");
    CHECK(afec_encode(s, 3, b, 3, out, 70) == AFEC_OK, "the encode blocks are still held");
    CHECK(afec_set_decode_blocks(s, b, idx, perm, 3) == AFEC_OK, "set_decode_blocks k");
    CHECK(afec_decode_targets(s, targets, 4) == AFEC_EINVAL, "decode_targets k+1");
    CHECK(strcmp(afec_last_error(), "targets array has the wrong length") == 0, "message: %s",
          afec_last_error());
    CHECK(afec_decode(s, b, 4) == AFEC_EINVAL, "decode k+1");
    CHECK(strcmp(afec_last_error(), blocks4) == 0, "message: %s", afec_last_error());
    afec_session_free(s);
}

/* The blocks given to encode/decode must match, position by position, the kinds
 * (memory or file) and the count given to the set_* call. */
static void call_blocks_match_the_set(const char *dir) {
    const size_t bs = 64;
    char path[4096];
    afec_session *t = NULL;
    CHECK(afec_session_new(2, 4, bs, AFEC_FIELD_AUTO, &t) == AFEC_OK, "new");
    int fd = pattern_file(dir, "kinds", 2 * bs, path);
    unsigned char m0[64], m1[64], out[64], want[64];
    CHECK(pread(fd, m0, bs, 0) == (ssize_t)bs && pread(fd, m1, bs, bs) == (ssize_t)bs, "read");
    afec_block fb[2] = {file(fd, 0), file(fd, bs)}, mb[2] = {mem(m0, bs), mem(m1, bs)};
    CHECK(afec_set_encode_blocks(t, fb, 2) == AFEC_OK, "set file blocks");
    CHECK(afec_encode(t, 2, fb, 2, want, bs) == AFEC_OK, "encode");
    CHECK(afec_encode(t, 2, mb, 2, out, bs) == AFEC_EINVAL, "memory where files were set");
    CHECK(strcmp(afec_last_error(), "block #0: it was set as a file region, but is given as memory") == 0,
          "kind message: %s", afec_last_error());
    CHECK(afec_encode(t, 2, fb, 1, out, bs) == AFEC_EINVAL, "encode with 1 block of 2");
    CHECK(afec_set_encode_blocks(t, mb, 2) == AFEC_OK, "set memory blocks");
    afec_block mixed[2] = {mem(m0, bs), file(fd, bs)};
    CHECK(afec_encode(t, 2, mixed, 2, out, bs) == AFEC_EINVAL, "a file where memory was set");
    CHECK(strcmp(afec_last_error(), "block #1: it was set as memory, but is given as a file region") == 0,
          "kind message: %s", afec_last_error());
    CHECK(afec_encode(t, 2, mb, 2, out, bs) == AFEC_OK && memcmp(out, want, bs) == 0, "encode from memory");

    /* Decode: block 0 lost, check block 2 in its place, in the file. */
    CHECK(pwrite(fd, want, bs, 0) == (ssize_t)bs, "write check block");
    uint32_t idx[2] = {2, 1};
    size_t perm[2];
    unsigned char targets[2];
    CHECK(afec_set_decode_blocks(t, fb, idx, perm, 2) == AFEC_OK, "set_decode_blocks");
    CHECK(afec_decode_targets(t, targets, 1) == AFEC_EINVAL, "decode_targets with 1 of 2");
    CHECK(afec_decode(t, fb, 1) == AFEC_EINVAL, "decode with 1 block of 2");
    CHECK(afec_decode(t, fb, 3) == AFEC_EINVAL, "decode with 3 blocks of 2");
    CHECK(afec_decode(t, mb, 2) == AFEC_EINVAL, "decode: memory where files were set");
    CHECK(pread(fd, out, bs, 0) == (ssize_t)bs && memcmp(out, want, bs) == 0, "nothing written");
    CHECK(afec_decode(t, fb, 2) == AFEC_OK, "decode after the refusals");
    CHECK(pread(fd, out, bs, 0) == (ssize_t)bs && memcmp(out, m0, bs) == 0, "decoded");
    /* And memory set, a file given. */
    unsigned char c0[64];
    memcpy(c0, want, bs);
    afec_block cm[2] = {mem(c0, bs), mem(m1, bs)};
    idx[0] = 2;
    idx[1] = 1;
    CHECK(afec_set_decode_blocks(t, cm, idx, perm, 2) == AFEC_OK, "set memory decode");
    afec_block cf[2] = {mem(c0, bs), file(fd, bs)};
    CHECK(afec_decode(t, cf, 2) == AFEC_EINVAL, "decode: a file where memory was set");
    CHECK(strcmp(afec_last_error(), "block #1: it was set as memory, but is given as a file region") == 0,
          "kind message: %s", afec_last_error());
    CHECK(afec_decode(t, cm, 2) == AFEC_OK && memcmp(c0, m0, bs) == 0, "memory decode after the refusal");
    close(fd);
    unlink(path);
    afec_session_free(t);
}

/* Regions of one file: the same region twice, or overlapping where one is
 * written, refused by set_decode_blocks; an overlapping copy moves as memmove. */
static void overlapping_regions(const char *dir) {
    const size_t bs = 6000;
    char path[4096];
    afec_session *t = NULL;
    CHECK(afec_session_new(2, 4, bs, AFEC_FIELD_AUTO, &t) == AFEC_OK, "new");
    int fd = pattern_file(dir, "overlap", 3 * bs, path);
    int fd2 = open(path, O_RDWR);
    uint32_t idx[2] = {2, 1};
    size_t perm[2];
    afec_block same[2] = {file(fd, 0), file(fd2, 0)};
    CHECK(afec_set_decode_blocks(t, same, idx, perm, 2) == AFEC_EINVAL, "the same region twice");
    CHECK(strcmp(afec_last_error(), "blocks #0 and #1 are the same region of one file") == 0,
          "same message: %s", afec_last_error());
    afec_block over[2] = {file(fd, 0), file(fd2, bs - 1)};
    CHECK(afec_set_decode_blocks(t, over, idx, perm, 2) == AFEC_EINVAL, "a target overlapping");
    CHECK(strstr(afec_last_error(), "overlap in one file") != NULL, "overlap message: %s", afec_last_error());
    CHECK(idx[0] == 2 && idx[1] == 1, "indices untouched");

    unsigned char *img = malloc(3 * bs), *back = malloc(3 * bs);
    CHECK(pread(fd, img, 3 * bs, 0) == (ssize_t)(3 * bs), "read");
    afec_block src = file(fd2, 0), dst = file(fd, bs / 3);
    CHECK(afec_copy(t, &src, &dst) == AFEC_OK, "overlapping copy");
    memmove(img + bs / 3, img, bs);
    CHECK(pread(fd, back, 3 * bs, 0) == (ssize_t)(3 * bs) && memcmp(back, img, 3 * bs) == 0,
          "overlapping copy forwards is memmove");
    src = file(fd, bs / 2);
    dst = file(fd2, 0);
    CHECK(afec_copy(t, &src, &dst) == AFEC_OK, "overlapping copy backwards");
    memmove(img, img + bs / 2, bs);
    CHECK(pread(fd, back, 3 * bs, 0) == (ssize_t)(3 * bs) && memcmp(back, img, 3 * bs) == 0,
          "overlapping copy backwards is memmove");
    free(img);
    free(back);
    close(fd2);
    close(fd);
    unlink(path);
    afec_session_free(t);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    afec_session *s = NULL;

    /* Creation errors. */
    CHECK(afec_session_new(3, 2, 70, AFEC_FIELD_AUTO, &s) == AFEC_EINVAL, "n < k");
    CHECK(strstr(afec_last_error(), "must be >= the number of data blocks") != NULL, "n<k message");
    CHECK(afec_session_new(2, 65537, 70, AFEC_FIELD_AUTO, &s) == AFEC_EINVAL, "n too big");
    CHECK(afec_session_new(2, 4, 0, AFEC_FIELD_AUTO, &s) == AFEC_EINVAL, "block size 0");
    CHECK(afec_session_new(2, 300, 7, AFEC_FIELD_AUTO, &s) == AFEC_EINVAL, "odd GF16");
    CHECK(afec_session_new(2, 4, 8, 12, &s) == AFEC_EINVAL, "bad field");
    CHECK(afec_session_new(2, 4, 8, AFEC_FIELD_AUTO, NULL) == AFEC_EINVAL, "null out");

    /* SPEC's small check: k=3 n=5, "1"x70 "2"x70 "3"x70 -> block 3 "%"x70, 4 "Y"x70. */
    CHECK(afec_session_new(3, 5, 70, AFEC_FIELD_AUTO, &s) == AFEC_OK, "new");
    CHECK(afec_session_k(s) == 3 && afec_session_n(s) == 5 && afec_session_block_size(s) == 70 &&
              afec_session_field_bits(s) == 8,
          "parameters");
    unsigned char d[3][70], out[70], out2[70];
    for (int j = 0; j < 3; j++) memset(d[j], '1' + j, 70);
    afec_block blocks[3] = {mem(d[0], 70), mem(d[1], 70), mem(d[2], 70)};
    CHECK(afec_encode(s, 3, blocks, 3, out, 70) == AFEC_ESTATE, "encode before set");
    CHECK(strcmp(afec_last_error(), "no blocks specified by a preceding call to set_encode_blocks") == 0,
          "state message");
    CHECK(afec_set_encode_blocks(s, blocks, 3) == AFEC_OK, "set_encode_blocks");
    CHECK(afec_encode(s, 3, blocks, 3, out, 70) == AFEC_OK, "encode 3");
    int ok = 1;
    for (int i = 0; i < 70; i++) ok &= out[i] == '%';
    CHECK(ok, "block 3 is %%x70");
    unsigned char *outs[2] = {out, out2};
    uint32_t want[2] = {4, 1};
    CHECK(afec_encode_many(s, want, 2, blocks, 3, outs, 70) == AFEC_OK, "encode_many");
    ok = 1;
    for (int i = 0; i < 70; i++) ok &= out[i] == 'Y' && out2[i] == '2';
    CHECK(ok, "one pass: block 4 Yx70, block 1 2x70");
    CHECK(afec_encode(s, 5, blocks, 3, out, 70) == AFEC_EINVAL, "index out of range");
    CHECK(strcmp(afec_last_error(), "encode: block_index 5 out of range, must be 0 <= block_index < 5") == 0,
          "range message: %s", afec_last_error());
    CHECK(afec_encode(s, 1, blocks, 3, d[0] + 10, 70) == AFEC_EINVAL, "output overlapping a block");
    /* Blocks that are only read may share one buffer (equal Perl strings do). */
    afec_block shared[3] = {mem(d[1], 70), mem(d[1], 70), mem(d[2], 70)};
    CHECK(afec_set_encode_blocks(s, shared, 3) == AFEC_OK, "set shared read-only blocks");
    CHECK(afec_encode(s, 4, shared, 3, out, 70) == AFEC_OK, "encode from shared read-only blocks");
    CHECK(afec_set_encode_blocks(s, blocks, 3) == AFEC_OK, "set_encode_blocks again");
    afec_block short_blocks[3] = {mem(d[0], 69), mem(d[1], 70), mem(d[2], 70)};
    CHECK(afec_set_encode_blocks(s, short_blocks, 3) == AFEC_EINVAL, "short string");
    CHECK(strcmp(afec_last_error(), "block #0 (a string) has size 69, not 70") == 0, "size message");

    /* Shuffle: k=3 [4,3,1] -> [4,1,3], perm says where each came from. */
    uint32_t idx[3] = {4, 3, 1};
    size_t perm[3];
    CHECK(afec_shuffle(s, idx, perm, 3) == AFEC_OK, "shuffle");
    CHECK(idx[0] == 4 && idx[1] == 1 && idx[2] == 3, "shuffled %u %u %u", idx[0], idx[1], idx[2]);
    CHECK(perm[0] == 0 && perm[1] == 2 && perm[2] == 1, "perm");
    uint32_t dup[3] = {3, 0, 0};
    CHECK(afec_shuffle(s, dup, perm, 3) == AFEC_EINVAL && dup[0] == 3 && dup[1] == 0, "duplicate untouched");

    /* Decode in place into a file at an unaligned offset: the file holds
     * [block 4, block 1, block 3] at offsets 5, 5+70, 5+140. */
    char path[4096];
    snprintf(path, sizeof path, "%s/afec-abi-%d", dir, (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0, "open %s", path);
    unsigned char b4[70], b3[70];
    afec_set_encode_blocks(s, blocks, 3);
    afec_encode(s, 4, blocks, 3, b4, 70);
    afec_encode(s, 3, blocks, 3, b3, 70);
    CHECK(pwrite(fd, b4, 70, 5) == 70 && pwrite(fd, d[1], 70, 75) == 70 && pwrite(fd, b3, 70, 145) == 70,
          "write file");
    afec_block fb[3] = {file(fd, 5), file(fd, 75), file(fd, 145)};
    uint32_t di[3] = {4, 1, 3};
    afec_block too_short[3] = {file(fd, 5), file(fd, 75), file(fd, 146)};
    CHECK(afec_set_decode_blocks(s, too_short, di, perm, 3) == AFEC_EIO, "short file region");
    CHECK(strstr(afec_last_error(), "too short") != NULL, "short message: %s", afec_last_error());
    CHECK(di[0] == 4 && di[1] == 1 && di[2] == 3, "indices untouched on error");
    CHECK(afec_set_decode_blocks(s, fb, di, perm, 3) == AFEC_OK, "set_decode_blocks");
    CHECK(di[0] == 4 && di[1] == 1 && di[2] == 3, "already in order");
    unsigned char targets[3];
    CHECK(afec_decode_targets(s, targets, 3) == AFEC_OK && targets[0] && !targets[1] && targets[2], "targets");
    CHECK(afec_encode(s, 0, fb, 3, out, 70) == AFEC_ESTATE, "encode while holding decode blocks");
    CHECK(afec_decode(s, fb, 3) == AFEC_OK, "decode");
    unsigned char back[70];
    for (int j = 0; j < 3; j++) {
        CHECK(pread(fd, back, 70, 5 + 70 * j) == 70 && memcmp(back, d[j], 70) == 0, "file block %d", j);
    }
    CHECK(afec_decode(s, fb, 3) == AFEC_ESTATE, "decode twice");
    CHECK(strcmp(afec_last_error(), "index array must be set by a prior call to set_decode_blocks") == 0,
          "decode twice message");

    /* Memory decode with a duplicate check index is refused before writing. */
    unsigned char m0[70], m1[70], m2[70];
    memcpy(m0, b4, 70);
    memcpy(m1, d[1], 70);
    memcpy(m2, b4, 70);
    afec_block mb[3] = {mem(m0, 70), mem(m1, 70), mem(m2, 70)};
    uint32_t dd[3] = {4, 1, 4};
    CHECK(afec_set_decode_blocks(s, mb, dd, perm, 3) == AFEC_EINVAL, "duplicate check index");
    CHECK(strcmp(afec_last_error(), "duplicate block index 4") == 0, "dup message: %s", afec_last_error());
    uint32_t md[3] = {3, 1, 4};
    memcpy(m0, b3, 70);
    memcpy(m2, b4, 70);
    CHECK(afec_set_decode_blocks(s, mb, md, perm, 3) == AFEC_OK, "set memory decode");
    afec_block aliased[3] = {mem(m0, 70), mem(m0, 70), mem(m2, 70)};
    CHECK(afec_decode(s, aliased, 3) == AFEC_EINVAL, "aliased buffers refused");
    CHECK(afec_decode(s, mb, 3) == AFEC_OK, "memory decode");
    CHECK(memcmp(m0, d[0], 70) == 0 && memcmp(m1, d[1], 70) == 0 && memcmp(m2, d[2], 70) == 0, "memory data");

    /* Copy memory -> file, negative offset and bad fd refused. */
    CHECK(afec_copy(s, &blocks[2], &fb[0]) == AFEC_OK, "copy to file");
    CHECK(pread(fd, back, 70, 5) == 70 && memcmp(back, d[2], 70) == 0, "copied");
    afec_block neg = file(fd, -1), bad = file(-5, 0);
    CHECK(afec_copy(s, &neg, &blocks[0]) == AFEC_EINVAL, "negative offset");
    CHECK(afec_copy(s, &bad, &blocks[0]) == AFEC_EINVAL, "negative fd");
    afec_block closed = file(1000, 0);
    CHECK(afec_copy(s, &closed, &blocks[0]) == AFEC_EIO, "closed fd");
    /* A read-only descriptor as a decode target. */
    int rofd = open(path, O_RDONLY);
    afec_block rob[3] = {file(rofd, 5), file(rofd, 75), file(rofd, 145)};
    uint32_t ri[3] = {4, 1, 3};
    CHECK(afec_set_decode_blocks(s, rob, ri, perm, 3) == AFEC_EIO, "read-only target");
    CHECK(strstr(afec_last_error(), "read-write") != NULL, "ro message: %s", afec_last_error());
    CHECK(afec_set_encode_blocks(NULL, blocks, 3) == AFEC_EINVAL, "null session");

    close(rofd);
    close(fd);
    unlink(path);
    afec_session_free(s);

    mapped_files_changed(dir);
    small_shrinks(dir);
    absurd_sizes();
    one_block_too_many();
    call_blocks_match_the_set(dir);
    overlapping_regions(dir);
    afec_session_free(NULL);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
