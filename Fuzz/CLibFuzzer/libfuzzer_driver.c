/* Declarations only; see include/libfuzzer_driver.h. */
