/* The program the example image ships: it prints what the seed's Go web server
 * printed at start-up. Built static (`gcc -static`), it runs in any base image. */
#include <stdio.h>

int main(void) {
    printf("Webserver start\n");
    printf("  -> listen on port:1111\n");
    return 0;
}
