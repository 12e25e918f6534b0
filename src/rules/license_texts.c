/*
 * The licence texts rules/license.c compares with besides those Debian
 * ships in /usr/share/common-licenses: the Detection Rule License 1.0 and
 * 1.1 (SigmaHQ's LICENSE.Detection.Rules.md), MIT, and the BSD 2- and
 * 3-clause texts, as published (SPDX's license-list texts), without a
 * copyright line. Only their words matter (license.c normalises).
 */
#include "license_i.h"

static const char drl_grant[] =
	"Permission is hereby granted, free of charge, to any person "
	"obtaining a copy of this rule set and associated documentation files "
	"(the \"Rules\"), to deal in the Rules without restriction, including "
	"without limitation the rights to use, copy, modify, merge, publish, "
	"distribute, sublicense, and/or sell copies of the Rules, and to "
	"permit persons to whom the Rules are furnished to do so, subject to "
	"the following conditions:\n\n"
	"If you share the Rules (including in modified form), you must retain "
	"the following if it is supplied within the Rules:\n\n"
	"1. identification of the authors(s) (\"author\" field) of the Rule "
	"and any others designated to receive attribution, in any reasonable "
	"manner requested by the Rule author (including by pseudonym if "
	"designated).\n\n"
	"2. a URI or hyperlink to the Rule set or explicit Rule to the extent "
	"reasonably practicable\n\n"
	"3. indicate the Rules are licensed under this Detection Rule "
	"License, and include the text of, or the URI or hyperlink to, this "
	"Detection Rule License to the extent reasonably practicable\n\n";

#define DRL_WARRANTY                                                           \
	"THE RULES ARE PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, "     \
	"EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF "  \
	"MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND "               \
	"NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS " \
	"BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN "  \
	"ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN "   \
	"CONNECTION WITH THE RULES OR THE USE OR OTHER DEALINGS IN THE "       \
	"RULES.\n"

static const char drl_11_use[] =
	"If you use the Rules (including in modified form) on data, messages "
	"based on matches with the Rules must retain the following if it is "
	"supplied within the Rules:\n\n"
	"1. identification of the authors(s) (\"author\" field) of the Rule "
	"and any others designated to receive attribution, in any reasonable "
	"manner requested by the Rule author (including by pseudonym if "
	"designated).\n\n";

static const char mit[] =
	"MIT License\n\n"
	"Permission is hereby granted, free of charge, to any person "
	"obtaining a copy of this software and associated documentation files "
	"(the \"Software\"), to deal in the Software without restriction, "
	"including without limitation the rights to use, copy, modify, merge, "
	"publish, distribute, sublicense, and/or sell copies of the Software, "
	"and to permit persons to whom the Software is furnished to do so, "
	"subject to the following conditions:\n\n"
	"The above copyright notice and this permission notice shall be "
	"included in all copies or substantial portions of the Software.\n\n"
	"THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, "
	"EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF "
	"MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND "
	"NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS "
	"BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN "
	"ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN "
	"CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE "
	"SOFTWARE.\n";

#define BSD_HEAD                                                               \
	"Redistribution and use in source and binary forms, with or without "  \
	"modification, are permitted provided that the following conditions "  \
	"are met:\n\n"                                                         \
	"1. Redistributions of source code must retain the above copyright "   \
	"notice, this list of conditions and the following disclaimer.\n\n"    \
	"2. Redistributions in binary form must reproduce the above "          \
	"copyright notice, this list of conditions and the following "         \
	"disclaimer in the documentation and/or other materials provided "     \
	"with the distribution.\n\n"

#define BSD_WARRANTY                                                           \
	"THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS " \
	"\"AS IS\" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT " \
	"LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS "   \
	"FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE "      \
	"COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, "          \
	"INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES "  \
	"(INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR "  \
	"SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) "  \
	"HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, " \
	"STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) "       \
	"ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED " \
	"OF THE POSSIBILITY OF SUCH DAMAGE.\n"

static const char drl_10[] = "Detection Rule License (DRL) 1.0\n\n";
static const char drl_11[] = "Detection Rule License (DRL) 1.1\n\n";

static const char bsd2[] = BSD_HEAD BSD_WARRANTY;
static const char bsd3[] =
	BSD_HEAD "3. Neither the name of the copyright holder nor the names of "
		 "its contributors may be used to endorse or promote products "
		 "derived from this software without specific prior written "
		 "permission.\n\n" BSD_WARRANTY;

const struct license_text license_builtin[] = {
	{ "DRL-1.0", { drl_10, drl_grant, DRL_WARRANTY } },
	{ "DRL-1.1", { drl_11, drl_grant, drl_11_use, DRL_WARRANTY } },
	{ "MIT", { mit } },
	{ "BSD-2-Clause", { bsd2 } },
	{ "BSD-3-Clause", { bsd3 } },
};
const size_t license_nbuiltin =
	sizeof(license_builtin) / sizeof(license_builtin[0]);
