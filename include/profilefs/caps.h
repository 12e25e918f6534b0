/*
 * caps: every bound that protects profilefs from what a file says about
 * itself, in one place. Anything sized by a file is checked against these
 * before it is allocated.
 */
#ifndef PROFILEFS_CAPS_H
#define PROFILEFS_CAPS_H

/* files larger than this are large: each also takes one of the gate's
 * large slots (src/service/gate.c), so that small files never wait behind
 * them (no file is held in memory: the parsers read what they need with
 * pread, src/pe/src.c) */
#define CAP_LARGE_FILE (64u << 20)
/* chunk size of the single hashing pass */
#define CAP_CHUNK (1u << 20)
/* a rendered profile never grows beyond this */
#define CAP_PROFILE (32u << 20)
/* notes one profile may carry */
#define CAP_NOTES 16
/* times a file that changes while it is read is read again */
#define CAP_REREAD 2
/* callers (FUSE threads) that may wait for or run computations at once;
 * the mount runs CAP_COMPUTE_CALLERS + 32 threads, so that stat, readdir,
 * cached reads and FUSE's interrupts always find one */
#define CAP_COMPUTE_CALLERS 96
/* binaries waiting for the background pool (prefetch.c), in each of its
 * two queues: a folder listed in the view, and the --warm walk */
#define CAP_PREFETCH_QUEUE 4096

/* Possible Misuse rows of each rule repository in one profile (a line
 * says how many more, and of which repositories) */
#define CAP_MISUSE_ROWS 200
/* binaries whose Possible Misuse rows a mount keeps in memory */
#define CAP_MISUSE_MEMO 8192

/* ---- PE parsing (pefile's bounds where the differential tests need the
 * same answers; a hit is recorded as an anomaly) ---- */
/* sections read from the section table */
#define CAP_PE_SECTIONS 0x800
/* imported functions, over all DLLs and both import tables */
#define CAP_PE_IMPORTS 0x2000
/* import descriptors (DLLs) */
#define CAP_PE_IMPORT_DLLS 0x1000
/* exports, named and by ordinal */
#define CAP_PE_EXPORTS 0x2000
/* length of a DLL, function or forwarder name */
#define CAP_PE_NAME 0x200
/* resource directory entries visited, and nesting depth */
#define CAP_PE_RES_ENTRIES 0x8000
#define CAP_PE_RES_DEPTH   32
/* version resources looked at, and blocks inside one */
#define CAP_PE_VERSIONS	 64
#define CAP_PE_VS_BLOCKS 4096
/* anomalies kept per file */
#define CAP_PE_ANOMALIES 64
/* bytes of a Rich header decoded (the DOS stub from 0x80 up to "Rich") */
#define CAP_PE_RICH (1u << 20)
/* the facts of src/pe/facts.c: debug directory entries read, bytes of a
 * PDB path, TLS callbacks listed, overlay bytes whose entropy is counted,
 * bytes of the .NET metadata version string (ECMA-335 II.24.2.1: 255) */
#define CAP_PE_DEBUG_ENTRIES   256
#define CAP_PE_PDB_PATH	       1024
#define CAP_PE_TLS_CALLBACKS   256
#define CAP_PE_OVERLAY_ENTROPY (64u << 20)
/* resource types listed; bytes of a manifest parsed, and the dependent
 * assemblies listed from it */
#define CAP_PE_RES_TYPES	64
#define CAP_PE_MANIFEST		(64u << 10)
#define CAP_PE_MANIFEST_DEPS	32
#define CAP_PE_METADATA_VERSION 255
/* the .NET assembly (src/pe/dotnet.c): bytes of its name and culture, and
 * of its public key hashed for the token (RSA-16384's is ~2 KiB) */
#define CAP_PE_ASSEMBLY_NAME 1024
#define CAP_PE_PUBLIC_KEY    (16u << 10)

/* Authenticode: bytes of a certificate table kept, entries read from it,
 * nested signatures followed, and the largest catalog file indexed */
#define CAP_SIG_TABLE	 (8u << 20)
#define CAP_SIG_ENTRIES	 16
#define CAP_SIG_NESTED	 8
#define CAP_CATALOG_FILE (256u << 20)
/* Signature reports kept per mount (slots of a hash table) */
#define CAP_SIG_MEMO 16384
/* rendered profiles kept in memory, in bytes (least recently used out) */
#define CAP_RENDER_MEMO (32u << 20)

/* ---- what NTFS says of a file beyond its bytes (profile/ntfs.c) ---- */
/* named streams (alternate data streams) listed in one profile; a line
 * counts the others */
#define CAP_NTFS_STREAMS 64
/* bytes of a stream's name kept (NTFS allows 255 UTF-16 units) */
#define CAP_NTFS_STREAM_NAME 1024
/* bytes of the Zone.Identifier stream read: no other stream is read */
#define CAP_ZONE_READ 4096
/* lines of Zone.Identifier kept, and bytes of one key, value or section
 * name (a longer one is cut, and says so) */
#define CAP_ZONE_LINES 64
#define CAP_ZONE_VALUE 1024

/* ---- an NTFS volume as the source (src/tree/ntfs*.c) ---- */
/* entries of one folder listed (the rest left out) */
#define CAP_NTFS_ENTRIES (1u << 20)
/* named streams of one file the source lists (a profile shows at most
 * CAP_NTFS_STREAMS of them) */
#define CAP_TREE_STREAMS 4096

#endif
