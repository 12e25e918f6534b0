/*
 * pe: what the bytes of a file say about it as a PE image.
 *
 * pe_identify() decides whether a buffer holds a PE image at all: an "MZ"
 * DOS header whose e_lfanew points at a "PE\0\0" signature inside the
 * buffer. It reads only through the bounds-checked reader and never
 * fails: it returns 1 for a PE image, 0 otherwise, with *why set to a
 * static sentence saying what is missing.
 */
#ifndef PROFILEFS_PE_H
#define PROFILEFS_PE_H

#include <stddef.h>
#include <stdint.h>

int pe_identify(const uint8_t *buf, size_t len, const char **why);

#endif
