// The C side of the sandbox: the calls that must run between clone and exec, where only
// async-signal-safe code may run. Written by the sandbox's owner.
#ifndef CSANDBOX_H
#define CSANDBOX_H
int csandbox_placeholder(void);
#endif
