build/obj/verify/cmd_credential.o: verify/cmd_credential.c verify/cmd.h
verify/cmd.h:
