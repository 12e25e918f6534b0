/*
 * The names of the PE header's values that the Markdown (render.c) and
 * the JSON (json.c) both give, one table each so that both say the same;
 * and which version strings both show.
 */
#include "pe2_i.h"

/* IMAGE_FILE_* of the file header's Characteristics */
const struct prof_flag_name prof_file_flags[] = {
	{ 0x0001, "Relocations Stripped", "relocations_stripped" },
	{ 0x0002, "Executable", "executable" },
	{ 0x0020, "Large Address Aware", "large_address_aware" },
	{ 0x0100, "32-bit Machine", "32bit_machine" },
	{ 0x0200, "Debug Stripped", "debug_stripped" },
	{ 0x1000, "System", "system" },
	{ 0x2000, "DLL", "dll" },
};
const size_t prof_nfile_flags =
	sizeof(prof_file_flags) / sizeof(prof_file_flags[0]);

/* IMAGE_SCN_* of a section header's Characteristics */
const struct prof_flag_name prof_scn_flags[] = {
	{ 0x00000020, "Code", "code" },
	{ 0x00000040, "Initialized Data", "initialized_data" },
	{ 0x00000080, "Uninitialized Data", "uninitialized_data" },
	{ 0x02000000, "Discardable", "discardable" },
	{ 0x10000000, "Shared", "shared" },
	{ 0x20000000, "Execute", "execute" },
	{ 0x40000000, "Read", "read" },
	{ 0x80000000, "Write", "write" },
};
const size_t prof_nscn_flags =
	sizeof(prof_scn_flags) / sizeof(prof_scn_flags[0]);

static const struct prof_name subsystems[] = {
	[1] = { "Native", "native" },
	[2] = { "Windows GUI", "windows_gui" },
	[3] = { "Windows Console", "windows_console" },
	[5] = { "OS/2 Console", "os2_console" },
	[7] = { "POSIX Console", "posix_console" },
	[8] = { "Native Windows 9x Driver", "native_windows_9x_driver" },
	[9] = { "Windows CE GUI", "windows_ce_gui" },
	[10] = { "EFI Application", "efi_application" },
	[11] = { "EFI Boot Service Driver", "efi_boot_service_driver" },
	[12] = { "EFI Runtime Driver", "efi_runtime_driver" },
	[13] = { "EFI ROM", "efi_rom" },
	[14] = { "Xbox", "xbox" },
	[16] = { "Windows Boot Application", "windows_boot_application" },
};

const struct prof_name *prof_subsystem(uint16_t s)
{
	if (s >= sizeof(subsystems) / sizeof(subsystems[0]) ||
	    !subsystems[s].name)
		return NULL;
	return &subsystems[s];
}

const struct pe_version *prof_version_of(const struct prof *p,
					 const struct prof_view *pv,
					 const char **from)
{
	const struct pe_version *ver = NULL;

	*from = NULL;
	if (p->pe && p->pe->version.found)
		ver = &p->pe->version;
	/* Windows takes the strings from en-US/NAME.mui when there is one */
	if (pv->mui && pv->mui->pe && pv->mui->pe->version.found) {
		ver = &pv->mui->pe->version;
		*from = pv->mui_relpath;
	}
	return ver;
}
