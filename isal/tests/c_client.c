/* A C program written against Intel ISA-L's headers and linked with -lisal: k=10
 * m=4 Cauchy code, 4 blocks lost (two data, two checks), rebuilt by inverting the
 * surviving rows, as ISA-L's own examples do. scripts/test-isal builds it against
 * Debian's library and runs it on this crate's libisal.so.2 (LD_LIBRARY_PATH).
 * Prints "c_client: ok" and exits 0 when every rebuilt block equals the original. */
#include <isa-l/erasure_code.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K = 10, M = 14, LEN = 100003 };

int main(void)
{
	static unsigned char blocks[M][LEN], rebuilt[4][LEN];
	unsigned char gen[M * K], sub[K * K], inv[K * K], dec[4 * K];
	unsigned char tables[32 * K * (M - K)], dtables[32 * K * 4];
	unsigned char *src[K], *out[M - K];
	const int lost[4] = { 2, 7, 10, 13 };
	int rows[K], n = 0;

	srand(1);
	for (int i = 0; i < K; i++)
		for (int j = 0; j < LEN; j++)
			blocks[i][j] = rand();
	gf_gen_cauchy1_matrix(gen, M, K);
	ec_init_tables(K, M - K, &gen[K * K], tables);
	for (int i = 0; i < K; i++)
		src[i] = blocks[i];
	for (int i = 0; i < M - K; i++)
		out[i] = blocks[K + i];
	ec_encode_data(LEN, K, M - K, tables, src, out);

	/* The first K surviving blocks, and the rows of the lost ones. */
	for (int i = 0; i < M && n < K; i++) {
		int gone = 0;
		for (int l = 0; l < 4; l++)
			gone |= lost[l] == i;
		if (!gone)
			rows[n++] = i;
	}
	for (int r = 0; r < K; r++) {
		memcpy(&sub[r * K], &gen[rows[r] * K], K);
		src[r] = blocks[rows[r]];
	}
	if (gf_invert_matrix(sub, inv, K) != 0) {
		fprintf(stderr, "c_client: singular\n");
		return 1;
	}
	/* Lost data: rows of the inverse; lost checks: their generator row times it. */
	for (int l = 0; l < 4; l++)
		for (int j = 0; j < K; j++) {
			unsigned char s = 0;
			if (lost[l] < K)
				s = inv[lost[l] * K + j];
			else
				for (int t = 0; t < K; t++)
					s ^= gf_mul(gen[lost[l] * K + t], inv[t * K + j]);
			dec[l * K + j] = s;
		}
	ec_init_tables(K, 4, dec, dtables);
	for (int l = 0; l < 4; l++)
		out[l] = rebuilt[l];
	ec_encode_data(LEN, K, 4, dtables, src, out);
	for (int l = 0; l < 4; l++)
		if (memcmp(rebuilt[l], blocks[lost[l]], LEN) != 0) {
			fprintf(stderr, "c_client: block %d rebuilt wrong\n", lost[l]);
			return 1;
		}
	puts("c_client: ok");
	return 0;
}
