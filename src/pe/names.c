/* Names for numbers: machine types, and Windows' names of languages. */
#include <stddef.h>
#include <string.h>

#include "pe_i.h"

const char *pe_machine_name(uint16_t machine)
{
	switch (machine) {
	case 0x014c: /* IMAGE_FILE_MACHINE_I386 */
		return "32-bit";
	case 0x8664: /* AMD64 */
		return "64-bit";
	case 0xaa64: /* ARM64 */
		return "64-bit ARM";
	case 0x01c0: /* ARM */
	case 0x01c4: /* ARMNT (Thumb-2) */
		return "32-bit ARM";
	default:
		return NULL;
	}
}

/*
 * Language ids (LCIDs) as Windows names them in a file's Properties
 * (VerLanguageName), for the languages Windows ships in. Sorted by id.
 */
static const struct pe_id_name langs[] = {
	{ 0x0000, "Language Neutral" },
	{ 0x0001, "Arabic" },
	{ 0x0004, "Chinese (Simplified)" },
	{ 0x0007, "German" },
	{ 0x0009, "English" },
	{ 0x000a, "Spanish" },
	{ 0x000c, "French" },
	{ 0x0010, "Italian" },
	{ 0x0011, "Japanese" },
	{ 0x0016, "Portuguese" },
	{ 0x0019, "Russian" },
	{ 0x007f, "Invariant Language (Invariant Country)" },
	{ 0x0400, "Process Default Language" },
	{ 0x0401, "Arabic (Saudi Arabia)" },
	{ 0x0402, "Bulgarian (Bulgaria)" },
	{ 0x0403, "Catalan (Catalan)" },
	{ 0x0404, "Chinese (Traditional, Taiwan)" },
	{ 0x0405, "Czech (Czech Republic)" },
	{ 0x0406, "Danish (Denmark)" },
	{ 0x0407, "German (Germany)" },
	{ 0x0408, "Greek (Greece)" },
	{ 0x0409, "English (United States)" },
	{ 0x040a, "Spanish (Spain, Traditional Sort)" },
	{ 0x040b, "Finnish (Finland)" },
	{ 0x040c, "French (France)" },
	{ 0x040d, "Hebrew (Israel)" },
	{ 0x040e, "Hungarian (Hungary)" },
	{ 0x040f, "Icelandic (Iceland)" },
	{ 0x0410, "Italian (Italy)" },
	{ 0x0411, "Japanese (Japan)" },
	{ 0x0412, "Korean (Korea)" },
	{ 0x0413, "Dutch (Netherlands)" },
	{ 0x0414, "Norwegian, Bokmål (Norway)" },
	{ 0x0415, "Polish (Poland)" },
	{ 0x0416, "Portuguese (Brazil)" },
	{ 0x0417, "Romansh (Switzerland)" },
	{ 0x0418, "Romanian (Romania)" },
	{ 0x0419, "Russian (Russia)" },
	{ 0x041a, "Croatian (Croatia)" },
	{ 0x041b, "Slovak (Slovakia)" },
	{ 0x041c, "Albanian (Albania)" },
	{ 0x041d, "Swedish (Sweden)" },
	{ 0x041e, "Thai (Thailand)" },
	{ 0x041f, "Turkish (Turkey)" },
	{ 0x0420, "Urdu (Islamic Republic of Pakistan)" },
	{ 0x0421, "Indonesian (Indonesia)" },
	{ 0x0422, "Ukrainian (Ukraine)" },
	{ 0x0423, "Belarusian (Belarus)" },
	{ 0x0424, "Slovenian (Slovenia)" },
	{ 0x0425, "Estonian (Estonia)" },
	{ 0x0426, "Latvian (Latvia)" },
	{ 0x0427, "Lithuanian (Lithuania)" },
	{ 0x0429, "Persian (Iran)" },
	{ 0x042a, "Vietnamese (Vietnam)" },
	{ 0x042b, "Armenian (Armenia)" },
	{ 0x042d, "Basque (Basque)" },
	{ 0x042f, "Macedonian (North Macedonia)" },
	{ 0x0436, "Afrikaans (South Africa)" },
	{ 0x0437, "Georgian (Georgia)" },
	{ 0x0439, "Hindi (India)" },
	{ 0x043e, "Malay (Malaysia)" },
	{ 0x043f, "Kazakh (Kazakhstan)" },
	{ 0x0441, "Kiswahili (Kenya)" },
	{ 0x0445, "Bangla (India)" },
	{ 0x0449, "Tamil (India)" },
	{ 0x044a, "Telugu (India)" },
	{ 0x0456, "Galician (Galician)" },
	{ 0x0464, "Filipino (Philippines)" },
	{ 0x0801, "Arabic (Iraq)" },
	{ 0x0804, "Chinese (Simplified, PRC)" },
	{ 0x0807, "German (Switzerland)" },
	{ 0x0809, "English (United Kingdom)" },
	{ 0x080a, "Spanish (Mexico)" },
	{ 0x080c, "French (Belgium)" },
	{ 0x0810, "Italian (Switzerland)" },
	{ 0x0813, "Dutch (Belgium)" },
	{ 0x0814, "Norwegian, Nynorsk (Norway)" },
	{ 0x0816, "Portuguese (Portugal)" },
	{ 0x081a, "Serbian (Latin, Serbia and Montenegro (Former))" },
	{ 0x081d, "Swedish (Finland)" },
	{ 0x0c01, "Arabic (Egypt)" },
	{ 0x0c04, "Chinese (Traditional, Hong Kong S.A.R.)" },
	{ 0x0c07, "German (Austria)" },
	{ 0x0c09, "English (Australia)" },
	{ 0x0c0a, "Spanish (Spain, International Sort)" },
	{ 0x0c0c, "French (Canada)" },
	{ 0x0c1a, "Serbian (Cyrillic, Serbia and Montenegro (Former))" },
	{ 0x1004, "Chinese (Simplified, Singapore)" },
	{ 0x1009, "English (Canada)" },
	{ 0x100c, "French (Switzerland)" },
	{ 0x1409, "English (New Zealand)" },
	{ 0x1809, "English (Ireland)" },
	{ 0x1c09, "English (South Africa)" },
	{ 0x2009, "English (Jamaica)" },
	{ 0x2c0a, "Spanish (Argentina)" },
	{ 0x3009, "English (Zimbabwe)" },
	{ 0x3409, "English (Republic of the Philippines)" },
	{ 0x4009, "English (India)" },
	{ 0x4809, "English (Singapore)" },
	{ 0x540a, "Spanish (United States)" },
	{ 0x7c04, "Chinese (Traditional)" },
};

const char *pe_lang_name(uint16_t lcid)
{
	return pe_id_lookup(langs, sizeof(langs) / sizeof(langs[0]), lcid);
}

const char *pe_id_lookup(const struct pe_id_name *t, size_t n, uint16_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid].id == id)
			return t[mid].name;
		if (t[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int pe_name_ok(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return 0;
	return 1;
}
