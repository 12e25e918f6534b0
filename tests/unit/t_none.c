/* The harness's own test: a test that runs no check fails (meson's
 * should_fail), as t_done() says. */
#include "t.h"

int main(void)
{
	return t_done();
}
