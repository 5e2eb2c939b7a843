#include <stdio.h>

int main(void) {
    puts("hello from a toolchain image");
    return 0;
}
