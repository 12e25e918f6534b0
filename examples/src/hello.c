/*
 * hello.dll: a small DLL for the demo mount. It exports functions by name,
 * one by ordinal only and one forwarded to kernel32 (see hello.def), and
 * imports by name from kernel32 and by ordinal from ws2_32.
 */
#include <winsock2.h>
#include <windows.h>

__declspec(dllexport) int __stdcall HelloAdd(int a, int b)
{
	return a + b;
}

__declspec(dllexport) const char *__stdcall HelloWorld(void)
{
	return "hello, world";
}

int __stdcall HelloSecret(void)
{
	/* an import by ordinal: ws2_32 #9 is htons */
	return (int)htons(0x1234) + (int)GetCurrentProcessId();
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)inst;
	(void)reason;
	(void)reserved;
	return TRUE;
}
