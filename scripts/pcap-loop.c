/*
 * pcap-loop: the floor for reading a capture — libpcap's own read loop and nothing else.
 * scripts/bench compares `pktt show --count` against this. Usage: pcap-loop FILE
 * Build: gcc -O2 -o pcap-loop pcap-loop.c -lpcap
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdint.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CAPTURE\n", argv[0]);
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (p == NULL) {
        fprintf(stderr, "pcap-loop: %s\n", err);
        return 1;
    }
    struct pcap_pkthdr *hdr;
    const u_char *data;
    uint64_t packets = 0, bytes = 0;
    unsigned sum = 0; /* one byte of every packet is read, so the copy-out cannot be skipped */
    int rc;
    while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
        packets++;
        bytes += hdr->caplen;
        if (hdr->caplen > 0)
            sum += data[hdr->caplen - 1];
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "pcap-loop: %s\n", pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    printf("packets %llu bytes %llu checksum %u\n",
           (unsigned long long)packets, (unsigned long long)bytes, sum);
    return 0;
}
