/*
 * ntfs-3g's stand-ins and the names of reparse tags (tree.h).
 *
 * ntfs-3g (2022.10.3, ntfs-3g.c) writes the target of a reparse point it
 * has no plugin for with
 *
 *	static const char ntfs_bad_reparse[] = "unsupported reparse tag
 *0x%08lx";
 *
 * and lstat shows it as a 34-byte symlink. That text is the only trace,
 * over such a mount, of a file Windows sees whole; nothing else on a
 * POSIX folder is taken for one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "profilefs/tree.h"

#define NTFS3G_PREFIX "unsupported reparse tag 0x"

int tree_ntfs3g_tag(const char *target, uint32_t *tag)
{
	size_t n = strlen(NTFS3G_PREFIX), i;
	uint32_t v = 0;

	if (!target || strncmp(target, NTFS3G_PREFIX, n) != 0)
		return -EINVAL;
	for (i = 0; i < 8; i++) {
		char c = target[n + i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint32_t)(c - 'a' + 10);
		else
			return -EINVAL;
	}
	if (target[n + 8] != '\0')
		return -EINVAL;
	*tag = v;
	return 0;
}

int tree_ntfs3g_facts(const char *target, struct tree_facts *out)
{
	const char *name;
	uint32_t tag;

	if (tree_ntfs3g_tag(target, &tag))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->have = TREE_HAVE_REPARSE;
	out->reparse_tag = tag;
	name = tree_reparse_tag_name(tag);
	snprintf(out->unreadable, sizeof(out->unreadable),
		 "ntfs-3g cannot read this file's bytes (reparse tag "
		 "0x%08X%s%s): give profilefs the volume itself, e.g. "
		 "profilefs /dev/sdb3 MNT or profilefs disk.img MNT "
		 "--partition=N",
		 tag, name ? ", " : "", name ? name : "");
	return 0;
}

/* Microsoft's IO_REPARSE_TAG_* (winnt.h, MS-FSCC 2.1.2.1) */
static const struct {
	uint32_t tag;
	const char *name;
} tags[] = {
	{ 0xA0000003, "mount point (junction)" },
	{ 0xC0000004, "hierarchical storage (HSM)" },
	{ 0x80000005, "Drive Extender" },
	{ 0x80000006, "hierarchical storage (HSM2)" },
	{ 0x80000007, "Single Instance Storage" },
	{ 0x80000008, "WIM mount" },
	{ 0x80000009, "Cluster Shared Volume" },
	{ 0x8000000A, "DFS" },
	{ 0xA000000C, "symbolic link" },
	{ 0xA0000010, "IIS cache" },
	{ 0x80000012, "DFS Replication" },
	{ 0x80000013, "Data Deduplication" },
	{ 0x80000014, "NFS" },
	{ 0x80000015, "file placeholder" },
	{ 0x80000017, "WOF system compression" },
	{ 0x80000018, "Windows Container Isolation" },
	{ 0x90001018, "Windows Container Isolation" },
	{ 0xA0000019, "global reparse" },
	{ 0x8000001B, "app execution alias" },
	{ 0x9000001C, "Projected File System" },
	{ 0xA000001D, "WSL symbolic link" },
	{ 0x8000001E, "Azure File Sync" },
	{ 0xA000001F, "Windows Container Isolation tombstone" },
	{ 0x80000020, "unhandled" },
	{ 0x80000021, "OneDrive" },
	{ 0xA0000022, "Projected File System tombstone" },
	{ 0x80000023, "WSL Unix socket" },
	{ 0x80000024, "WSL FIFO" },
	{ 0x80000025, "WSL character device" },
	{ 0x80000026, "WSL block device" },
	{ 0xA0000027, "Windows Container Isolation link" },
	{ 0xA0001027, "Windows Container Isolation link" },
};

const char *tree_reparse_tag_name(uint32_t tag)
{
	size_t i;

	/* IO_REPARSE_TAG_CLOUD and CLOUD_1..CLOUD_F differ in bits 12-15 */
	if ((tag & 0xFFFF0FFFu) == 0x9000001Au)
		return "cloud files placeholder";
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (tags[i].tag == tag)
			return tags[i].name;
	return NULL;
}
