/*
 * algorithm_fec.h - the C ABI of algorithm-fec's FecSession.
 *
 * The stateful model of CPAN's Algorithm::FEC: a session (k, n, block_size) holds
 * either k encode blocks (set_encode_blocks) or k decode blocks with their indices
 * (set_decode_blocks), and encode/decode/copy work on them. A block is a memory
 * buffer or a region (fd, offset) of a file, which the library maps with mmap.
 *
 * ERRORS. Every function returning int returns AFEC_OK (0) or an AFEC_E* code; the
 * message of the last failure on the calling thread is afec_last_error(). On error
 * nothing has been written and the session is unchanged, except for AFEC_ECHANGED
 * and a failed flush (AFEC_EIO from afec_decode/afec_copy), found while or after
 * writing. Counts, sizes and the session's state are checked before anything is
 * read or allocated; memory that cannot be allocated is AFEC_ENOMEM. No Rust panic
 * ever crosses this boundary: an internal bug is caught and reported as
 * AFEC_EINTERNAL.
 *
 * OWNERSHIP AND LIFETIMES.
 *  - afec_session_new returns a session owned by the caller; free it with
 *    afec_session_free (exactly once). A session is not thread-safe: one call at a
 *    time per session. Different sessions are independent.
 *  - Memory blocks (afec_block.ptr != NULL) are BORROWED FOR ONE CALL ONLY. The
 *    library never keeps a pointer after a call returns. Because of that, every call
 *    that reads or writes blocks (afec_encode, afec_encode_many, afec_decode, afec_copy)
 *    takes the blocks again, so the caller can pass the buffers' current addresses
 *    (Perl may move a string's buffer between calls). The kinds (memory or file) must
 *    match what the set_* call was given, position by position.
 *  - File blocks (ptr == NULL) are mapped during the set_* call (or afec_copy); the
 *    library keeps the mappings and its own duplicate of the descriptor (one per file),
 *    not fd: the caller may close fd after the call. The file must be at least offset + block_size bytes long, or the call fails
 *    (AFEC_EIO) instead of faulting later. Any offset >= 0 works (the mapping is page-
 *    aligned internally). Files mapped for decoding are mapped shared and read-write
 *    where data will be written: fd must then be open for reading and writing.
 *  - A memory buffer that a call writes (a decode target, a copy destination) must be
 *    writable and must not overlap any other block of the call; overlapping blocks are
 *    refused (AFEC_EINVAL).
 *  - The blocks passed to afec_encode/afec_encode_many/afec_decode must be k, and of
 *    the kind (memory or file) given to the set_* call at each position; anything
 *    else is refused (AFEC_EINVAL), never ignored.
 *
 * FILES. Regions of one file (same device and inode, whatever the descriptors) that
 * overlap, where one of them is written, and the same region given twice, are
 * refused by afec_set_decode_blocks (AFEC_EINVAL); afec_copy moves overlapping
 * regions of one file as memmove does. Regions that will be written have their space
 * allocated by the set_* call (afec_copy: before copying), so a full file system is
 * an AFEC_EIO there, not a crash later. A file shrunk by anyone while mapped, so
 * that a region a call reads or writes no longer lies inside it, makes that call fail
 * with AFEC_ECHANGED (never a SIGBUS, never success), however small the shrink: the
 * library keeps each mapped file open (one duplicated descriptor per file) and checks
 * its length after the work. See the README's "Files changed while mapped" for
 * exactly what is guaranteed. The library installs a SIGBUS handler for this the first time it maps
 * a file; faults at other addresses go to the handler installed before it (or kill
 * the process, as by default).
 */
#ifndef ALGORITHM_FEC_H
#define ALGORITHM_FEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes. */
#define AFEC_OK 0
#define AFEC_EINVAL 1    /* a bad argument: count, index, size, duplicate, null pointer */
#define AFEC_ESTATE 2    /* out of order: encode without set_encode_blocks, decode twice, ... */
#define AFEC_EIO 3       /* a file region: too short, not mappable, not writable, no space, flush failed */
#define AFEC_EINTERNAL 4 /* a bug in the library, caught before it could unwind into C */
#define AFEC_ECHANGED 5  /* a mapped file changed under the call (shrunk by someone): it failed */
#define AFEC_ENOMEM 6    /* memory for the call cannot be allocated (an absurd count) */

/* Which field a session uses. */
#define AFEC_FIELD_AUTO 0 /* as Algorithm::FEC: GF(2^8) for n <= 255, else GF(2^16) */
#define AFEC_FIELD_GF8 8
#define AFEC_FIELD_GF16 16

typedef struct afec_session afec_session;

/* One block: memory when ptr != NULL (len must equal the block size), else the
 * region [offset, offset + block_size) of the open file fd. */
typedef struct afec_block {
    unsigned char *ptr; /* memory block; written only by calls documented to write */
    size_t len;         /* memory block length */
    int fd;             /* file block: an open descriptor (0 is a valid fd) */
    int64_t offset;     /* file block: offset in bytes, >= 0 */
} afec_block;

/* The message of the last error on this thread ("" if none). Valid until the next
 * afec_* call on this thread. */
const char *afec_last_error(void);

/* Creates a session for k data blocks, n blocks in all, blocks of block_size bytes
 * (>= 1; even in GF(2^16)). field: AFEC_FIELD_*. On success *out owns the session. */
int afec_session_new(uint32_t k, uint32_t n, size_t block_size, int field, afec_session **out);

/* Frees a session and its mappings. NULL is ignored. */
void afec_session_free(afec_session *s);

/* The session's parameters. */
uint32_t afec_session_k(const afec_session *s);
uint32_t afec_session_n(const afec_session *s);
size_t afec_session_block_size(const afec_session *s);
/* 8 or 16. */
int afec_session_field_bits(const afec_session *s);

/* Sets the k data blocks encode reads. count == 0 (blocks may be NULL) frees the
 * blocks held, after which encode fails with AFEC_ESTATE. Replaces any decode blocks. */
int afec_set_encode_blocks(afec_session *s, const afec_block *blocks, size_t count);

/* Writes block `index` (0 <= index < n; a copy of the data block for index < k) into
 * out (out_len == block_size). blocks: the k encode blocks again (see LIFETIMES). */
int afec_encode(afec_session *s, uint32_t index, const afec_block *blocks, size_t count,
                unsigned char *out, size_t out_len);

/* Like afec_encode for `nidx` indices in one pass: outs[i] receives block indices[i]. */
int afec_encode_many(afec_session *s, const uint32_t *indices, size_t nidx,
                     const afec_block *blocks, size_t count,
                     unsigned char *const *outs, size_t out_len);

/* Reorders (indices, blocks) exactly like Algorithm::FEC's shuffle, without keeping
 * anything: indices (k entries) is permuted in place, and perm (k entries, output)
 * receives the permutation: after the call, position i holds what was at position
 * perm[i]. Checks count, range and duplicates first; on error nothing is changed. */
int afec_shuffle(const afec_session *s, uint32_t *indices, size_t *perm, size_t count);

/* Validates everything decode needs (count, indices, duplicates, sizes, file lengths,
 * writability of every file region that decode will write), then reorders as
 * afec_shuffle does (indices and perm are outputs as there; blocks is given in the
 * ORIGINAL order) and keeps the reordered indices and the file mappings for
 * afec_decode. Replaces any encode blocks. */
int afec_set_decode_blocks(afec_session *s, const afec_block *blocks, uint32_t *indices,
                           size_t *perm, size_t count);

/* Rebuilds the lost data blocks in place: every position i whose index is not i gets
 * data block i. blocks: the k blocks in the REORDERED order (see LIFETIMES); memory
 * targets are written, file targets are written through the mapping and flushed.
 * Afterwards the session holds no blocks (a second decode fails with AFEC_ESTATE). */
int afec_decode(afec_session *s, const afec_block *blocks, size_t count);

/* The positions afec_decode will write (k entries of 0/1 into `targets`), after
 * afec_set_decode_blocks. Lets a caller check its own buffers before decoding. */
int afec_decode_targets(const afec_session *s, unsigned char *targets, size_t count);

/* Copies block src into block dst (any mix of memory and file; file dst is mapped
 * read-write and flushed). Afterwards the session holds no blocks, as in the original. */
int afec_copy(afec_session *s, const afec_block *src, const afec_block *dst);

#ifdef __cplusplus
}
#endif

#endif /* ALGORITHM_FEC_H */
