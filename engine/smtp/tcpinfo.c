/* tcpinfo: <linux/tcp.h> for the newer tcp_info fields (snd_wnd, bytes_sent). */
#include <stddef.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <linux/tcp.h>

#include "tcpinfo.h"

#define TCPINFO_ONE(key, type, rank) + 1
_Static_assert(0 TCPINFO_KEYS(TCPINFO_ONE) == TCPINFO_NKEYS, "TCPINFO_NKEYS: the keys of the list");
#undef TCPINFO_ONE

const char *
tcpinfo_state_to_text(unsigned state)
{
	static const char *const names[] = {
		"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
		"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
		"NEW_SYN_RECV",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

int
tcpinfo_take(int fd, struct tcpinfo_snap *out)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int outq = 0;

	memset(out, 0, sizeof(*out));
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return -1;
	out->valid = 1;
	out->state = tcpinfo_state_to_text(ti.tcpi_state);
	out->unacked = ti.tcpi_unacked;
	out->outq_bytes = ioctl(fd, SIOCOUTQ, &outq) == 0 ? outq : -1;
	out->retransmits = ti.tcpi_retransmits;
	out->total_retrans = ti.tcpi_total_retrans;
	out->rtt_us = ti.tcpi_rtt;
	out->last_ack_ms = ti.tcpi_last_ack_recv;
	out->last_data_sent_ms = ti.tcpi_last_data_sent;
	/* Fields of newer kernels: zero when the kernel filled less. */
	if (len >= offsetof(struct tcp_info, tcpi_notsent_bytes) + sizeof(ti.tcpi_notsent_bytes))
		out->notsent_bytes = ti.tcpi_notsent_bytes;
	if (len >= offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof(ti.tcpi_bytes_acked))
		out->bytes_acked = ti.tcpi_bytes_acked;
	if (len >= offsetof(struct tcp_info, tcpi_bytes_sent) + sizeof(ti.tcpi_bytes_sent))
		out->bytes_sent = ti.tcpi_bytes_sent;
	if (len >= offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof(ti.tcpi_snd_wnd))
		out->snd_wnd = ti.tcpi_snd_wnd;
	return 0;
}
