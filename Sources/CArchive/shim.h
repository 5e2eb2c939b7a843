// libarchive, for reading and writing layer tars and image archives.
#include <archive.h>
#include <archive_entry.h>
