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
    afec_session_free(NULL);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
