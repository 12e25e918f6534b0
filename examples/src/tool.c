/* tool.exe: a console program that uses hello.dll; it exports nothing. */
#include <stdio.h>
#include <windows.h>

__declspec(dllimport) int __stdcall HelloAdd(int a, int b);
__declspec(dllimport) const char *__stdcall HelloWorld(void);

int main(void)
{
	printf("%s: %d\n", HelloWorld(), HelloAdd(2, 3));
	Sleep(0);
	return 0;
}
