// Purpose names are 1 to 64 bytes of a-z, 0-9, '-' and ':', checked at compile time.
fieldseal::purpose!(Bad = "Marketing Team");

fn main() {}
