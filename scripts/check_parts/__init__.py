"""What scripts/rpc-check and scripts/nfs-check (and scripts/corpus-check) share: where the
captures and their tshark truths are, how they are listed and read, how pktt is run on them."""
