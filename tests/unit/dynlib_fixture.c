/* A library for test_dynlib: it has dynlib_fixture_answer and nothing else the test asks for. */
int dynlib_fixture_answer(void);

int dynlib_fixture_answer(void)
{
	return 42;
}
