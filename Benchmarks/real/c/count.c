#include <ctype.h>
#include "count.h"

struct counts count_stream(FILE *in) {
    struct counts c = {0, 0, 0};
    int ch, inword = 0;
    while ((ch = getc(in)) != EOF) {
        c.bytes++;
        if (ch == '\n') c.lines++;
        if (isspace(ch)) inword = 0;
        else if (!inword) { inword = 1; c.words++; }
    }
    return c;
}
