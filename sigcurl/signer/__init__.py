"""The pure signer."""
