/*
 * spawn: how long a whole process takes, from fork() to its exit, timed
 * inside one process (a shell's `date` around the command would add the
 * start of `date` itself, several milliseconds). Runs the command N times
 * with its output to OUT, and prints the median and the minimum in
 * milliseconds:
 *
 *   build/spawn [--runs N] [--out FILE] [--cold DIR] -- COMMAND [ARG...]
 *
 * --cold DIR removes every file in DIR before each run (untimed): the rule
 * base cache directory, for the start without a cache.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
spawn_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
spawn_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
spawn_clear(const char *dir)
{
	char path[4096];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

int
main(int argc, char **argv)
{
	const char *out = "/dev/null", *cold = NULL;
	double *t;
	int i, runs = 20, status;
	pid_t pid;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--cold") == 0 && i + 1 < argc)
			cold = argv[++i];
		else
			break;
	}
	if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc || runs < 1) {
		fputs("usage: spawn [--runs N] [--out FILE] [--cold DIR] -- COMMAND [ARG...]\n",
		    stderr);
		return 2;
	}
	argv += i + 1;
	if ((t = calloc((size_t)runs, sizeof(*t))) == NULL)
		return 1;
	for (i = 0; i < runs; i++) {
		double start;

		if (cold)
			spawn_clear(cold);
		start = spawn_now();
		if ((pid = fork()) < 0)
			return 1;
		if (pid == 0) {
			int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

			if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
				_exit(127);
			execvp(argv[0], argv);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) > 3) {
			fprintf(stderr, "spawn: %s failed\n", argv[0]);
			return 1;
		}
		t[i] = spawn_now() - start;
	}
	qsort(t, (size_t)runs, sizeof(*t), spawn_cmp);
	printf("%.2f %.2f\n", t[(runs - 1) / 2], t[0]);
	free(t);
	return 0;
}
