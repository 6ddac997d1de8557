"""One module per TypeScript scenario file of src/scenarios/client/auth/."""
