// zlib (Debian: zlib1g-dev), for the parallel gzip compressor.
#include <zlib.h>

// deflateInit2 is a macro, which Swift cannot call: starts a raw deflate stream (no zlib
// or gzip wrapper, 32 KiB window) at `level`, with zlib's default memory level and
// strategy. zlib's status code.
static inline int swiftbuild_deflate_init_raw(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}
