/* The C ABI's file blocks on Windows, where a block's fd is a C runtime descriptor
 * (_open): decode in place into a file at unaligned offsets, read back through the
 * descriptor; a descriptor that is not open is an error, not a crash. Built with
 * mingw against the library's DLL and run under wine by scripts/test-windows.
 * Prints "c_abi_fd: ok" and exits 0 when every check holds. */
#include "algorithm_fec.h"

#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CHECK(cond, what)                                                        \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "c_abi_fd: FAILED: %s (%s)\n", what, afec_last_error()); \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

enum { BS = 70, OFF = 5 };

static int put(int fd, long off, const unsigned char *b) {
    return _lseek(fd, off, SEEK_SET) == off && _write(fd, b, BS) == BS;
}

static int get(int fd, long off, unsigned char *b) {
    return _lseek(fd, off, SEEK_SET) == off && _read(fd, b, BS) == BS;
}

int main(int argc, char **argv) {
    CHECK(argc == 2, "usage: c_abi_fd FILE");
    unsigned char d[3][BS], b3[BS], b4[BS], back[BS];
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < BS; i++) d[j][i] = (unsigned char)(j * 91 + i * 7 + 1);
    afec_session *s = NULL;
    CHECK(afec_session_new(3, 5, BS, AFEC_FIELD_AUTO, &s) == AFEC_OK, "session");
    afec_block mem[3] = {{d[0], BS, -1, 0}, {d[1], BS, -1, 0}, {d[2], BS, -1, 0}};
    CHECK(afec_set_encode_blocks(s, mem, 3) == AFEC_OK, "set_encode_blocks");
    CHECK(afec_encode(s, 3, mem, 3, b3, BS) == AFEC_OK, "encode 3");
    CHECK(afec_encode(s, 4, mem, 3, b4, BS) == AFEC_OK, "encode 4");

    /* The file holds [block 4, block 1, block 3] at offsets 5, 75, 145. */
    int fd = _open(argv[1], _O_RDWR | _O_CREAT | _O_TRUNC | _O_BINARY, _S_IREAD | _S_IWRITE);
    CHECK(fd >= 0, "open");
    CHECK(put(fd, OFF, b4) && put(fd, OFF + BS, d[1]) && put(fd, OFF + 2 * BS, b3), "write");
    afec_block fb[3] = {{NULL, 0, fd, OFF}, {NULL, 0, fd, OFF + BS}, {NULL, 0, fd, OFF + 2 * BS}};
    uint32_t idx[3] = {4, 1, 3};
    size_t perm[3];
    CHECK(afec_set_decode_blocks(s, fb, idx, perm, 3) == AFEC_OK, "set_decode_blocks");
    CHECK(afec_decode(s, fb, 3) == AFEC_OK, "decode");
    for (int j = 0; j < 3; j++) {
        CHECK(get(fd, OFF + j * BS, back), "read back");
        CHECK(memcmp(back, d[j], BS) == 0, "decoded block in the file");
    }

    /* A descriptor that is not open: an error with a message. */
    afec_block bad[3] = {{NULL, 0, 987, 0}, {d[1], BS, -1, 0}, {d[2], BS, -1, 0}};
    CHECK(afec_set_encode_blocks(s, bad, 3) == AFEC_EINVAL, "closed descriptor refused");
    CHECK(strstr(afec_last_error(), "file descriptor 987") != NULL, "closed descriptor message");

    afec_session_free(s);
    _close(fd);
    _unlink(argv[1]);
    printf("c_abi_fd: ok\n");
    return 0;
}
