/* Header-only target: LLVMFuzzerRunDriver comes from libFuzzer's runtime. */
typedef int csstp_fuzz_driver_unused;
