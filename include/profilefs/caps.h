/*
 * caps: every bound that protects profilefs from what a file says about
 * itself, in one place. Anything sized by a file is checked against these
 * before it is allocated.
 */
#ifndef PROFILEFS_CAPS_H
#define PROFILEFS_CAPS_H

/* files up to this size are read whole into memory for parsing */
#define CAP_WHOLE_FILE (64u << 20)
/* of larger files, this much of the head is kept for parsing */
#define CAP_HEAD (8u << 20)
/* chunk size of the single hashing pass */
#define CAP_CHUNK (1u << 20)
/* a rendered profile never grows beyond this */
#define CAP_PROFILE (32u << 20)
/* notes one profile may carry */
#define CAP_NOTES 16
/* times a file that changes while it is read is read again */
#define CAP_REREAD 2

#endif
