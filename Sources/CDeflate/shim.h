// libdeflate (Debian: libdeflate-dev), for the parallel gzip compressor of layers.
#include <libdeflate.h>
