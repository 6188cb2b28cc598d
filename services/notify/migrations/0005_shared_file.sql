-- A mention or a reply that carried files says so ("Ann shared a file in reply to your post").
-- Entries folded together say it only when every one of their causes shared a file.
ALTER TABLE notifications ADD COLUMN shared_file boolean NOT NULL DEFAULT false;
