package embedded

// InternalUser is chapar's own identity name, for the tests.
const InternalUser = internalUser
