// Block-parallel gzip on a file read into memory, in 1 MiB blocks: with zlib or ISA-L's
// igzip pigz-style (each block primed with the 32 KiB before it, sync-flushed, the last
// finished: one deflate stream), or with libdeflate as swiftbuild does it (each block a
// whole gzip member of its own, no dictionary: libdeflate has no streaming).
// Usage: deflate-compare zlib|isal|libdeflate LEVEL THREADS INPUT OUTPUT
//   -> prints seconds and bytes.
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define BLOCK (1024 * 1024)
#define WINDOW (32 * 1024)

static const unsigned char *input;
static size_t input_size, nblocks;
static unsigned char **outputs;
static size_t *output_sizes;
static int use_isal, use_libdeflate, level, threads;

static void compress_block(size_t i) {
    size_t start = i * BLOCK, count = input_size - start < BLOCK ? input_size - start : BLOCK;
    size_t dict = start < WINDOW ? start : WINDOW;
    int last = i == nblocks - 1;
    size_t room = count + count / 10 + 1024;
    unsigned char *out = malloc(room);
    if (use_libdeflate) {
        struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
        if (!c) abort();
        output_sizes[i] = libdeflate_gzip_compress(c, input + start, count, out, room);
        if (output_sizes[i] == 0) abort();
        libdeflate_free_compressor(c);
    } else if (use_isal) {
        static const int sizes[] = {ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
        struct isal_zstream s;
        isal_deflate_init(&s);
        s.level = level;
        s.level_buf_size = sizes[level];
        s.level_buf = malloc(s.level_buf_size);
        s.gzip_flag = IGZIP_DEFLATE;
        if (dict && isal_deflate_set_dict(&s, (unsigned char *)input + start - dict, dict) != COMP_OK) abort();
        s.next_in = (unsigned char *)input + start;
        s.avail_in = count;
        s.next_out = out;
        s.avail_out = room;
        s.flush = SYNC_FLUSH;
        s.end_of_stream = last;
        if (isal_deflate(&s) != COMP_OK || s.avail_in != 0) abort();
        if (last && s.internal_state.state != ZSTATE_END) abort();
        output_sizes[i] = room - s.avail_out;
        free(s.level_buf);
    } else {
        z_stream s;
        memset(&s, 0, sizeof s);
        if (deflateInit2(&s, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
        if (dict) deflateSetDictionary(&s, input + start - dict, dict);
        s.next_in = (unsigned char *)input + start;
        s.avail_in = count;
        s.next_out = out;
        s.avail_out = room;
        int status = deflate(&s, last ? Z_FINISH : Z_SYNC_FLUSH);
        if (last ? status != Z_STREAM_END : status != Z_OK) abort();
        output_sizes[i] = room - s.avail_out;
        deflateEnd(&s);
    }
    outputs[i] = out;
}

static size_t next_block;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *worker(void *unused) {
    (void)unused;
    for (;;) {
        pthread_mutex_lock(&lock);
        size_t i = next_block++;
        pthread_mutex_unlock(&lock);
        if (i >= nblocks) return NULL;
        compress_block(i);
    }
}

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: %s zlib|isal|libdeflate LEVEL THREADS INPUT OUTPUT\n", argv[0]); return 2; }
    use_isal = strcmp(argv[1], "isal") == 0;
    use_libdeflate = strcmp(argv[1], "libdeflate") == 0;
    level = atoi(argv[2]);
    threads = atoi(argv[3]);
    FILE *f = fopen(argv[4], "rb");
    fseek(f, 0, SEEK_END);
    input_size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buffer = malloc(input_size);
    if (fread(buffer, 1, input_size, f) != input_size) abort();
    fclose(f);
    input = buffer;
    nblocks = (input_size + BLOCK - 1) / BLOCK;
    outputs = calloc(nblocks, sizeof *outputs);
    output_sizes = calloc(nblocks, sizeof *output_sizes);
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    pthread_t ids[64];
    for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, worker, NULL);
    for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
    unsigned long crc = crc32(0, input, input_size);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    FILE *o = fopen(argv[5], "wb");
    static const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    size_t total = 0;
    if (!use_libdeflate) { fwrite(header, 1, 10, o); total += 10; }  // libdeflate's members carry their own
    for (size_t i = 0; i < nblocks; i++) { fwrite(outputs[i], 1, output_sizes[i], o); total += output_sizes[i]; }
    unsigned char trailer[8];
    for (int b = 0; b < 4; b++) { trailer[b] = crc >> (8 * b); trailer[4 + b] = (unsigned long)input_size >> (8 * b); }
    if (!use_libdeflate) { fwrite(trailer, 1, 8, o); total += 8; }
    fclose(o);
    printf("%s level %d threads %d: %.3f s wall, %.3f s cpu, %zu bytes in, %zu bytes out (%.2f%%)\n", argv[1], level, threads,
        (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9,
        input_size, total, 100.0 * total / input_size);
    return 0;
}
